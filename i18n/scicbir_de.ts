<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>@default</name>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="103"/>
        <source>Reason: {reason}</source>
        <translation>Grund: {reason}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="30"/>
        <source>Choose a valid raster layer as the query.</source>
        <translation>Wählen Sie einen gültigen Rasterlayer als Anfrage.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="33"/>
        <source>The layer &apos;{name}&apos; is not a local raster file; save it as a GeoTIFF (Export &gt; Save As) and query that.</source>
        <translation>Der Layer '{name}' ist keine lokale Rasterdatei; speichern Sie ihn als GeoTIFF (Exportieren &gt; Speichern als) und fragen Sie diese Datei an.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="81"/>
        <source>Choose the archive folder to search in.</source>
        <translation>Wählen Sie den Archivordner, in dem gesucht werden soll.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="83"/>
        <source>Draw a region on the map first (rectangle or polygon).</source>
        <translation>Zeichnen Sie zuerst eine Region auf der Karte (Rechteck oder Polygon).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="102"/>
        <source>Choose the folder of rasters to compress.</source>
        <translation>Wählen Sie den Ordner mit den zu komprimierenden Rastern.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/queries.py" line="104"/>
        <source>Choose the archive folder to write to.</source>
        <translation>Wählen Sie den Archivordner, in den geschrieben werden soll.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/results.py" line="73"/>
        <source>#{rank} {source} (distance {distance:g})</source>
        <translation>#{rank} {source} (Distanz {distance:g})</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/results.py" line="172"/>
        <source>Result footprints</source>
        <translation>Umrisse der Treffer</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/plugin.py" line="37"/>
        <source>SCI-CBIR panel</source>
        <translation>SCI-CBIR-Bedienfeld</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/plugin.py" line="40"/>
        <source>Show the SCI-CBIR panel: search, archive, train</source>
        <translation>SCI-CBIR-Bedienfeld anzeigen: suchen, archivieren, trainieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="141"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="168"/>
        <source>Compress raster folder into archive</source>
        <translation>Rasterordner in ein Archiv komprimieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="171"/>
        <source>Compresses every raster of a folder (recursively) into an archive folder with the learned codec and indexes each tile&apos;s hash code for search. Running it again continues an interrupted run; changed files are re-compressed. Quality picks one of the model&apos;s rate points (1 = fewest bits; 0 or empty: the model&apos;s default, or for an existing archive the quality it was made with).</source>
        <translation>Komprimiert jedes Raster eines Ordners (rekursiv) mit dem gelernten Codec in einen Archivordner und indiziert den Hash-Code jeder Kachel für die Suche. Ein erneuter Lauf setzt einen unterbrochenen fort; geänderte Dateien werden neu komprimiert. Qualität wählt einen der Ratenpunkte des Modells (1 = wenigste Bits; 0 oder leer: der Standard des Modells, bei einem bestehenden Archiv die Qualität, mit der es erstellt wurde).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="214"/>
        <source>Raster folder</source>
        <translation>Rasterordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="176"/>
        <source>Archive folder</source>
        <translation>Archivordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="188"/>
        <source>Model (empty: chosen by the bands)</source>
        <translation>Modell (leer: nach den Bändern gewählt)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="193"/>
        <source>Bands, e.g. B04,B03,B02 (empty: automatic)</source>
        <translation>Bänder, z. B. B04,B03,B02 (leer: automatisch)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="208"/>
        <source>Archive catalog</source>
        <translation>Archivkatalog</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="209"/>
        <source>Tiles in the archive</source>
        <translation>Kacheln im Archiv</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="210"/>
        <source>Files that failed</source>
        <translation>Fehlgeschlagene Dateien</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="252"/>
        <source>Search archive for tiles similar to a region</source>
        <translation>Archiv nach Kacheln durchsuchen, die einer Region ähneln</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="255"/>
        <source>Reads the region of the raster, hashes it with the archive&apos;s model and returns the k most similar archive tiles: their footprints with rank and Hamming distance (lower is more similar), and each tile decoded to a GeoTIFF.</source>
        <translation>Liest die Region des Rasters, berechnet ihren Hash mit dem Modell des Archivs und liefert die k ähnlichsten Archivkacheln: ihre Umrisse mit Rang und Hamming-Distanz (kleiner ist ähnlicher) und jede Kachel als dekodiertes GeoTIFF.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="127"/>
        <source>Query raster</source>
        <translation>Anfrageraster</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="268"/>
        <source>Query region</source>
        <translation>Anfrageregion</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="269"/>
        <source>Number of results</source>
        <translation>Anzahl der Treffer</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="283"/>
        <source>Folder for decoded tiles</source>
        <translation>Ordner für dekodierte Kacheln</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="309"/>
        <source>Searching the archive...</source>
        <translation>Archiv wird durchsucht …</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="296"/>
        <source>Result footprints must be a GeoPackage (.gpkg).</source>
        <translation>Die Umrisse der Treffer müssen ein GeoPackage (.gpkg) sein.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="332"/>
        <source>Decode archive tiles to GeoTIFF</source>
        <translation>Archivkacheln als GeoTIFF dekodieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="335"/>
        <source>Decodes archive tiles (ids as shown in the archive&apos;s catalog or in search results, separated by commas) from their bitstreams into GeoTIFFs with the original georeference, band order, data type and nodata.</source>
        <translation>Dekodiert Archivkacheln (IDs wie im Archivkatalog oder in den Suchergebnissen, durch Kommas getrennt) aus ihren Bitströmen in GeoTIFFs mit ursprünglicher Georeferenz, Bandreihenfolge, Datentyp und NoData-Wert.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="347"/>
        <source>Tile ids (comma separated)</source>
        <translation>Kachel-IDs (durch Kommas getrennt)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="350"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="351"/>
        <source>Decoded files</source>
        <translation>Dekodierte Dateien</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="360"/>
        <source>Tile ids must be whole numbers separated by commas, got &apos;{text}&apos;.</source>
        <translation>Kachel-IDs müssen ganze Zahlen sein, durch Kommas getrennt; erhalten: '{text}'.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="366"/>
        <source>Give at least one tile id.</source>
        <translation>Geben Sie mindestens eine Kachel-ID an.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="104"/>
        <source>files added</source>
        <translation>Dateien hinzugefügt</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="104"/>
        <source>files replaced (changed since)</source>
        <translation>Dateien ersetzt (seitdem geändert)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="104"/>
        <source>files already in the archive</source>
        <translation>Dateien bereits im Archiv</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="104"/>
        <source>files failed</source>
        <translation>Dateien fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="104"/>
        <source>tiles written</source>
        <translation>Kacheln geschrieben</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="115"/>
        <source>time: {s:.1f} s</source>
        <translation>Zeit: {s:.1f} s</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="174"/>
        <source>Archive {name}</source>
        <translation>Archiv {name}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="199"/>
        <source>Compress every raster of a folder (and its sub-folders) into an archive folder: each tile becomes a compact bitstream plus a hash code for search. Running it again on the same folder continues where it stopped.</source>
        <translation>Komprimiert jedes Raster eines Ordners (und seiner Unterordner) in einen Archivordner: Jede Kachel wird zu einem kompakten Bitstrom und einem Hash-Code für die Suche. Ein erneuter Lauf auf demselben Ordner setzt dort fort, wo er aufgehört hat.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="232"/>
        <source>List</source>
        <translation>Auflisten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="233"/>
        <source>Ask the engine which model packages it has</source>
        <translation>Die Engine nach ihren Modellpaketen fragen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="236"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="263"/>
        <source>automatic (e.g. B04,B03,B02 or 3,2,1)</source>
        <translation>automatisch (z. B. B04,B03,B02 oder 3,2,1)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="264"/>
        <source>Bands</source>
        <translation>Bänder</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="268"/>
        <source>Compress</source>
        <translation>Komprimieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="163"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="284"/>
        <source>Summary of the last run</source>
        <translation>Zusammenfassung des letzten Laufs</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="436"/>
        <source>SCI-CBIR: listing models</source>
        <translation>SCI-CBIR: Modelle auflisten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="539"/>
        <source>Compressing {source}...</source>
        <translation>Komprimiere {source} ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="540"/>
        <source>SCI-CBIR: compressing {name}</source>
        <translation>SCI-CBIR: komprimiere {name}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="590"/>
        <source>Finished: {archive}</source>
        <translation>Fertig: {archive}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="603"/>
        <source>Archive written: {archive}</source>
        <translation>Archiv geschrieben: {archive}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="612"/>
        <source>Cancelled. The archive is consistent; press Compress again to continue.</source>
        <translation>Abgebrochen. Das Archiv ist konsistent; drücken Sie erneut Komprimieren, um fortzusetzen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="47"/>
        <source>Retrain the network on your own labelled tiles (BigEarthNet, EuroSAT, AID, MLRSNet layouts or GeoTIFFs with a labels CSV). Training runs in the engine, uses a GPU when one is available, can be cancelled and resumed, and writes a new model package that you can then use for new archives.</source>
        <translation>Trainieren Sie das Netz mit Ihren eigenen beschrifteten Kacheln neu (Ordnerstrukturen von BigEarthNet, EuroSAT, AID, MLRSNet oder GeoTIFFs mit einer Label-CSV). Das Training läuft in der Engine, nutzt eine GPU, wenn vorhanden, kann abgebrochen und fortgesetzt werden und schreibt ein neues Modellpaket, das Sie dann für neue Archive verwenden können.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="61"/>
        <source>Open the training dialog...</source>
        <translation>Trainingsdialog öffnen ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="96"/>
        <source>SCI-CBIR</source>
        <translation>SCI-CBIR</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="103"/>
        <source>Find similar tiles in a compressed image archive</source>
        <translation>Ähnliche Kacheln in einem komprimierten Bildarchiv finden</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="105"/>
        <source>Settings...</source>
        <translation>Einstellungen ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="160"/>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="109"/>
        <source>Archive</source>
        <translation>Archiv</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="128"/>
        <source>Train</source>
        <translation>Training</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/feedback.py" line="69"/>
        <source>engine {engine}</source>
        <translation>Engine {engine}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/feedback.py" line="70"/>
        <source>protocol {protocol}</source>
        <translation>Protokoll {protocol}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/feedback.py" line="75"/>
        <source>device {device}</source>
        <translation>Gerät {device}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="91"/>
        <source>1. Choose the archive and the raster to query. 2. Draw a rectangle or polygon on the map. 3. Press Search: the most similar archive tiles appear in the group &apos;Similar tiles&apos;, best first.</source>
        <translation>1. Wählen Sie das Archiv und das Anfrageraster. 2. Zeichnen Sie ein Rechteck oder Polygon auf der Karte. 3. Drücken Sie Suchen: Die ähnlichsten Archivkacheln erscheinen in der Gruppe 'Similar tiles', die beste zuerst.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="108"/>
        <source>Archive folder made with the Archive tab</source>
        <translation>Mit dem Reiter Archiv erstellter Archivordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="114"/>
        <source>The raster the region is read from</source>
        <translation>Das Raster, aus dem die Region gelesen wird</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="131"/>
        <source>Rectangle</source>
        <translation>Rechteck</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="133"/>
        <source>Draw the query region as a rectangle (press and drag)</source>
        <translation>Anfrageregion als Rechteck zeichnen (drücken und ziehen)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="136"/>
        <source>Polygon</source>
        <translation>Polygon</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="138"/>
        <source>Draw the query region as a polygon (click vertices, right-click to finish)</source>
        <translation>Anfrageregion als Polygon zeichnen (Eckpunkte klicken, Rechtsklick beendet)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="260"/>
        <source>no region drawn</source>
        <translation>keine Region gezeichnet</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="146"/>
        <source>Region</source>
        <translation>Region</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="151"/>
        <source>How many similar tiles to return</source>
        <translation>Wie viele ähnliche Kacheln geliefert werden</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="152"/>
        <source>Results (k)</source>
        <translation>Treffer (k)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="154"/>
        <source>Keep previous results</source>
        <translation>Frühere Treffer behalten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="177"/>
        <source>Click a result to zoom to it</source>
        <translation>Klicken Sie auf einen Treffer, um dorthin zu zoomen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="272"/>
        <source>{w:.0f} x {h:.0f} {units}</source>
        <translation>{w:.0f} x {h:.0f} {units}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="302"/>
        <source>Searching...</source>
        <translation>Suche läuft ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="307"/>
        <source>SCI-CBIR: searching similar tiles</source>
        <translation>SCI-CBIR: suche ähnliche Kacheln</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="307"/>
        <source>Search cancelled.</source>
        <translation>Suche abgebrochen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="448"/>
        <source>No similar tiles found.</source>
        <translation>Keine ähnlichen Kacheln gefunden.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="479"/>
        <source>That result layer was removed from the project.</source>
        <translation>Dieser Trefferlayer wurde aus dem Projekt entfernt.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="63"/>
        <source>Python interpreter where the scicbir engine is installed. Default: {path}</source>
        <translation>Python-Interpreter, in dem die scicbir-Engine installiert ist. Standard: {path}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="83"/>
        <source>Check engine</source>
        <translation>Engine prüfen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="86"/>
        <source>Not checked yet.</source>
        <translation>Noch nicht geprüft.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="141"/>
        <source>Default archive folder</source>
        <translation>Standard-Archivordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="158"/>
        <source>Number of results (k)</source>
        <translation>Anzahl der Treffer (k)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="160"/>
        <source>A new search keeps the previous results</source>
        <translation>Eine neue Suche behält die früheren Treffer</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="217"/>
        <source>Starting the engine with {python}...</source>
        <translation>Starte die Engine mit {python} ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="221"/>
        <source>OK: {summary}</source>
        <translation>OK: {summary}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="234"/>
        <source>SCI-CBIR: checking the engine</source>
        <translation>SCI-CBIR: prüfe die Engine</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="267"/>
        <source>SCI-CBIR settings</source>
        <translation>SCI-CBIR-Einstellungen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="55"/>
        <source>BigEarthNet-S2 folders</source>
        <translation>BigEarthNet-S2-Ordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="55"/>
        <source>One folder per class (EuroSAT, AID)</source>
        <translation>Ein Ordner je Klasse (EuroSAT, AID)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="55"/>
        <source>MLRSNet (images + label CSVs)</source>
        <translation>MLRSNet (Bilder + Label-CSVs)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="55"/>
        <source>GeoTIFFs + labels CSV</source>
        <translation>GeoTIFFs + Label-CSV</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="141"/>
        <source>SCI-CBIR: retrain the model</source>
        <translation>SCI-CBIR: Modell neu trainieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="184"/>
        <source>Dataset folder</source>
        <translation>Datensatzordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="188"/>
        <source>Dataset layout</source>
        <translation>Aufbau des Datensatzes</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="213"/>
        <source>1 compression</source>
        <translation>1 Kompression</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="213"/>
        <source>2 rate</source>
        <translation>2 Rate</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="213"/>
        <source>3 hashing</source>
        <translation>3 Hashing</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="219"/>
        <source>Stages</source>
        <translation>Stufen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="244"/>
        <source>auto uses a CUDA GPU when the engine sees one</source>
        <translation>auto nutzt eine CUDA-GPU, wenn die Engine eine findet</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="245"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="255"/>
        <source>Output model folder</source>
        <translation>Ausgabeordner des Modells</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="256"/>
        <source>Resume from the last checkpoint in the output folder</source>
        <translation>Vom letzten Checkpoint im Ausgabeordner fortsetzen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="265"/>
        <source>Not started.</source>
        <translation>Nicht gestartet.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="273"/>
        <source>Start training</source>
        <translation>Training starten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="278"/>
        <source>Use this model</source>
        <translation>Dieses Modell verwenden</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="281"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="387"/>
        <source>Choose the dataset folder, the output folder and at least one stage.</source>
        <translation>Wählen Sie den Datensatzordner, den Ausgabeordner und mindestens eine Stufe.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="391"/>
        <source>Starting the engine and loading the dataset...</source>
        <translation>Starte die Engine und lade den Datensatz ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="391"/>
        <source>SCI-CBIR: training</source>
        <translation>SCI-CBIR: Training</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="560"/>
        <source>Cancelling: the engine saves a checkpoint first...</source>
        <translation>Breche ab: die Engine speichert zuerst einen Checkpoint ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="574"/>
        <source>stage {stage}</source>
        <translation>Stufe {stage}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="576"/>
        <source>epoch {epoch}</source>
        <translation>Epoche {epoch}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="607"/>
        <source>Finished: {model}</source>
        <translation>Fertig: {model}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="608"/>
        <source>Training finished: {model}</source>
        <translation>Training fertig: {model}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="621"/>
        <source>Cancelled; the last checkpoint is kept. Start again with &apos;Resume&apos; to continue.</source>
        <translation>Abgebrochen; der letzte Checkpoint bleibt erhalten. Starten Sie erneut mit 'Fortsetzen', um weiterzumachen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="108"/>
        <source>Help</source>
        <translation>Hilfe</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="194"/>
        <source>SCI-CBIR help</source>
        <translation>SCI-CBIR-Hilfe</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="55"/>
        <source>Large rasters cut into tiles</source>
        <translation>Große Raster, in Kacheln zerlegt</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="67"/>
        <source>RGB 8-bit</source>
        <translation>RGB 8 Bit</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="67"/>
        <source>Sentinel-2 12-band</source>
        <translation>Sentinel-2, 12 Bänder</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="67"/>
        <source>From a config file...</source>
        <translation>Aus einer Konfigurationsdatei...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="75"/>
        <source>8-bit values</source>
        <translation>8-Bit-Werte</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="76"/>
        <source>16-bit reflectance x 10000 (Sentinel-2 digital numbers)</source>
        <translation>16-Bit-Reflexion x 10000 (Sentinel-2-Digitalwerte)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="79"/>
        <source>integers above 8 bits (99.9th percentile)</source>
        <translation>Ganzzahlen über 8 Bit (99,9. Perzentil)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="80"/>
        <source>floating point (0.1 to 99.9th percentile range)</source>
        <translation>Gleitkommawerte (Bereich vom 0,1. bis zum 99,9. Perzentil)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="94"/>
        <source>Training samples: {train}, fewer than one batch ({batch}). Add images or lower the batch size.</source>
        <translation>Trainingsbeispiele: {train}, weniger als ein Batch ({batch}). Fügen Sie Bilder hinzu oder verkleinern Sie die Batchgröße.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="104"/>
        <source>{total} steps on {train} training samples: each sample would be seen about {passes} times, and the model would learn these images by heart instead of generalising. Add images or lower the epochs.</source>
        <translation>{total} Schritte auf {train} Trainingsbeispielen: Jedes Beispiel würde etwa {passes}-mal gesehen, und das Modell würde diese Bilder auswendig lernen, statt zu verallgemeinern. Fügen Sie Bilder hinzu oder verringern Sie die Epochen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="148"/>
        <source>The recipe of a shipped model (its epochs, batch size, model size and learning rates) applied to your dataset, or a training YAML file</source>
        <translation>Das Rezept eines mitgelieferten Modells (Epochen, Batchgröße, Modellgröße und Lernraten), angewandt auf Ihren Datensatz, oder eine Trainings-YAML-Datei</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="154"/>
        <source>Recipe</source>
        <translation>Rezept</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="158"/>
        <source>Training recipe (YAML, as for &apos;scicbir train --config&apos;); the fields here override it</source>
        <translation>Trainingsrezept (YAML, wie für 'scicbir train --config'); die Felder hier haben Vorrang</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="164"/>
        <source>Config file</source>
        <translation>Konfigurationsdatei</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="195"/>
        <source>from the data</source>
        <translation>aus den Daten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="196"/>
        <source>The network sees (value - offset) / scale: 255 for 8-bit images, 10000 for Sentinel-2 reflectance. Read from the dataset&apos;s files; change it if you know better.</source>
        <translation>Das Netz sieht (Wert - Versatz) / Skala: 255 für 8-Bit-Bilder, 10000 für Sentinel-2-Reflexion. Aus den Dateien des Datensatzes gelesen; ändern Sie den Wert, wenn Sie es besser wissen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="203"/>
        <source>Values divided by</source>
        <translation>Werte geteilt durch</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="207"/>
        <source>Value offset</source>
        <translation>Werteversatz</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="229"/>
        <source>Epochs of stages 1, 2, 3</source>
        <translation>Epochen der Stufen 1, 2, 3</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="234"/>
        <source>Batch size</source>
        <translation>Batchgröße</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="237"/>
        <source>one pass over the data</source>
        <translation>ein Durchlauf über die Daten</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="238"/>
        <source>Training steps per epoch at most; an epoch never goes beyond one pass</source>
        <translation>Höchstens so viele Trainingsschritte je Epoche; eine Epoche geht nie über einen Durchlauf hinaus</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="241"/>
        <source>Steps per epoch</source>
        <translation>Schritte je Epoche</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="447"/>
        <source>Reading the dataset...</source>
        <translation>Datensatz wird gelesen...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="473"/>
        <source>SCI-CBIR: reading the dataset</source>
        <translation>SCI-CBIR: Datensatz wird gelesen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="507"/>
        <source>{samples} samples ({train} for training, {val} for validation), {bands} bands, {labels} classes</source>
        <translation>{samples} Beispiele ({train} zum Training, {val} zur Validierung), {bands} Bänder, {labels} Klassen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="524"/>
        <source>Detected in {files} files ({dtype}, {min:g} to {max:g}): {kind}.</source>
        <translation>Erkannt in {files} Dateien ({dtype}, {min:g} bis {max:g}): {kind}.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="538"/>
        <source>Could not read the dataset: {error}</source>
        <translation>Der Datensatz konnte nicht gelesen werden: {error}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="198"/>
        <source>Quality: the model&apos;s rate point, 1 = fewest bits (0 or empty: default)</source>
        <translation>Qualität: Ratenpunkt des Modells, 1 = wenigste Bits (0 oder leer: Standard)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="157"/>
        <source>{quality} — {bpp:.2f} bpp, {psnr:.1f} dB</source>
        <translation>{quality} — {bpp:.2f} bpp, {psnr:.1f} dB</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="161"/>
        <source>{quality} — {bpp:.2f} bpp</source>
        <translation>{quality} — {bpp:.2f} bpp</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="165"/>
        <source>{point} (default)</source>
        <translation>{point} (Standard)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="243"/>
        <source>Rate point of the model: fewer bits per pixel (bpp) make a smaller archive, more bits a higher PSNR (dB; both measured on the model&apos;s validation data). An archive keeps the quality it was made with.</source>
        <translation>Ratenpunkt des Modells: weniger Bits pro Pixel (bpp) ergeben ein kleineres Archiv, mehr Bits einen höheren PSNR (dB; beides auf den Validierungsdaten des Modells gemessen). Ein Archiv behält die Qualität, mit der es erstellt wurde.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="258"/>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="361"/>
        <source>the model&apos;s default</source>
        <translation>Standard des Modells</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="362"/>
        <source>Automatic model: each raster is coded at its model&apos;s default quality.</source>
        <translation>Automatisches Modell: jedes Raster wird mit der Standardqualität seines Modells komprimiert.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="370"/>
        <source>1 = fewest bits. An archive keeps its quality.</source>
        <translation>1 = wenigste Bits. Ein Archiv behält seine Qualität.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="65"/>
        <source>Run &apos;bash {script}&apos; to install the engine, or set &apos;Engine Python&apos; in Settings &gt; Options &gt; SCI-CBIR to a Python where the scicbir package is installed, then press &apos;Check engine&apos;.</source>
        <translation>Führen Sie 'bash {script}' aus, um die Engine zu installieren, oder setzen Sie 'Engine-Python' unter Einstellungen &gt; Optionen &gt; SCI-CBIR auf ein Python, in dem das Paket scicbir installiert ist, und drücken Sie dann 'Engine prüfen'.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="70"/>
        <source>Install the SCI-CBIR engine (the Python package scicbir, see the plugin&apos;s home page) into a Python 3.11 environment, set &apos;Engine Python&apos; in Settings &gt; Options &gt; SCI-CBIR to that Python, then press &apos;Check engine&apos;.</source>
        <translation>Installieren Sie die SCI-CBIR-Engine (das Python-Paket scicbir, siehe die Homepage des Plugins) in eine Python-3.11-Umgebung, setzen Sie 'Engine-Python' unter Einstellungen &gt; Optionen &gt; SCI-CBIR auf dieses Python und drücken Sie dann 'Engine prüfen'.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="100"/>
        <source>The SCI-CBIR engine could not be started with the Python &apos;{python}&apos;.</source>
        <translation>Die SCI-CBIR-Engine konnte mit dem Python '{python}' nicht gestartet werden.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="116"/>
        <source>The engine&apos;s own output is in the SCI-CBIR tab of the log panel (View &gt; Panels &gt; Log Messages).</source>
        <translation>Die Ausgaben der Engine stehen im Reiter SCI-CBIR des Protokollbedienfelds (Ansicht &gt; Bedienfelder &gt; Protokollmeldungen).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="311"/>
        <source>Engine Python: {python}</source>
        <translation>Engine-Python: {python}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="318"/>
        <source>Cause: {cause}</source>
        <translation>Ursache: {cause}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="321"/>
        <source>Engine output:</source>
        <translation>Ausgabe der Engine:</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="49"/>
        <source>The drawn region does not overlap the query raster {file}. Draw the region over the raster, or check that the raster layer&apos;s CRS is right.</source>
        <translation>Die gezeichnete Region überlappt das Anfrageraster {file} nicht. Zeichnen Sie die Region über dem Raster, oder prüfen Sie, ob das KBS des Rasterlayers stimmt.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="53"/>
        <source>The drawn region covers only nodata pixels of {file}. Draw it where the raster has data.</source>
        <translation>Die gezeichnete Region deckt nur NoData-Pixel von {file} ab. Zeichnen Sie sie dort, wo das Raster Daten hat.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="57"/>
        <source>The engine does not know the map&apos;s CRS {crs}. Set the project to a CRS with an EPSG code and draw the region again.</source>
        <translation>Die Engine kennt das KBS der Karte {crs} nicht. Stellen Sie das Projekt auf ein KBS mit EPSG-Code und zeichnen Sie die Region erneut.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="61"/>
        <source>The query raster {file} has no georeference, so a region drawn on the map cannot be placed on it. Give the raster a CRS (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation>Das Anfrageraster {file} hat keinen Raumbezug, daher kann eine auf der Karte gezeichnete Region nicht darauf gelegt werden. Weisen Sie dem Raster ein KBS zu (Raster &gt; Projektionen &gt; Projektion zuweisen).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="65"/>
        <source>The query raster {file} no longer exists. Choose another layer as the query.</source>
        <translation>Das Anfrageraster {file} existiert nicht mehr. Wählen Sie einen anderen Layer als Anfrage.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="68"/>
        <source>The archive folder {archive} does not exist. Choose a folder made in the Archive tab.</source>
        <translation>Der Archivordner {archive} existiert nicht. Wählen Sie einen im Reiter Archiv erstellten Ordner.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="71"/>
        <source>The folder {archive} is not a SCI-CBIR archive. Choose an archive folder, or make one by compressing rasters in the Archive tab.</source>
        <translation>Der Ordner {archive} ist kein SCI-CBIR-Archiv. Wählen Sie einen Archivordner, oder erstellen Sie einen, indem Sie im Reiter Archiv Raster komprimieren.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="75"/>
        <source>The archive {archive} holds no tiles yet. Compress rasters into it in the Archive tab first.</source>
        <translation>Das Archiv {archive} enthält noch keine Kacheln. Komprimieren Sie zuerst im Reiter Archiv Raster hinein.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="79"/>
        <source>Mark at least one result as relevant or not relevant, then press Refine.</source>
        <translation>Markieren Sie mindestens einen Treffer als relevant oder nicht relevant und drücken Sie dann Verfeinern.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="82"/>
        <source>Some results are marked both relevant and not relevant; mark each one way.</source>
        <translation>Einige Treffer sind zugleich als relevant und als nicht relevant markiert; markieren Sie jeden nur auf eine Weise.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="85"/>
        <source>The marked results are not in this archive any more; search again and mark the new results.</source>
        <translation>Die markierten Treffer sind nicht mehr in diesem Archiv; suchen Sie erneut und markieren Sie die neuen Treffer.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="89"/>
        <source>The archive {archive} was written by an older engine and cannot be refined. Compress its rasters into a new archive to use relevance feedback.</source>
        <translation>Das Archiv {archive} wurde von einer älteren Engine geschrieben und kann nicht verfeinert werden. Komprimieren Sie seine Raster in ein neues Archiv, um Relevanz-Feedback zu nutzen.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="180"/>
        <source>The archive was made with another model (or quality) than the one chosen. Choose &apos;automatic&apos; or the archive&apos;s own model, or compress into a new archive folder.</source>
        <translation>Das Archiv wurde mit einem anderen Modell (oder einer anderen Qualität) als dem gewählten erstellt. Wählen Sie 'automatisch' oder das Modell des Archivs, oder komprimieren Sie in einen neuen Archivordner.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="184"/>
        <source>The archive&apos;s files are damaged; nothing was written. The details name the file; check and repair the archive with the engine&apos;s &apos;archive verify&apos; and &apos;archive recover&apos;.</source>
        <translation>Die Dateien des Archivs sind beschädigt; es wurde nichts geschrieben. Die Details nennen die Datei; prüfen und reparieren Sie das Archiv mit 'archive verify' und 'archive recover' der Engine.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="189"/>
        <source>Another task is already writing this archive or training output. Wait for it to finish, or cancel it in the task manager.</source>
        <translation>Eine andere Aufgabe schreibt bereits in dieses Archiv oder diese Trainingsausgabe. Warten Sie, bis sie fertig ist, oder brechen Sie sie in der Aufgabenverwaltung ab.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="193"/>
        <source>This engine installation lacks a part that this action needs ({module}). Reinstall the engine.</source>
        <translation>Dieser Engine-Installation fehlt ein Teil, den diese Aktion braucht ({module}). Installieren Sie die Engine neu.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="197"/>
        <source>The engine failed with an internal error. The details hold the error; please report it with the engine output from the SCI-CBIR log tab.</source>
        <translation>Die Engine ist mit einem internen Fehler gescheitert. Die Details enthalten den Fehler; bitte melden Sie ihn mit der Ausgabe der Engine aus dem Protokollreiter SCI-CBIR.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="201"/>
        <source>The engine stopped unexpectedly (exit code {code}). It starts again with the next action; a compression continues where it stopped.</source>
        <translation>Die Engine wurde unerwartet beendet (Exit-Code {code}). Sie startet mit der nächsten Aktion neu; eine Komprimierung setzt dort fort, wo sie stehen blieb.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="205"/>
        <source>The engine did not answer within {seconds:g} s. It keeps running; try again.</source>
        <translation>Die Engine hat nicht innerhalb von {seconds:g} s geantwortet. Sie läuft weiter; versuchen Sie es erneut.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/results.py" line="111"/>
        <source>Similar tiles: {query} {time}</source>
        <translation>Ähnliche Kacheln: {query} {time}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/results.py" line="111"/>
        <source>region</source>
        <translation>Region</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="138"/>
        <source>no engine Python is set</source>
        <translation>es ist kein Engine-Python gesetzt</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="155"/>
        <source>the engine Python {path} does not exist</source>
        <translation>das Engine-Python {path} existiert nicht</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="157"/>
        <source>the engine Python &apos;{python}&apos; is not on PATH</source>
        <translation>das Engine-Python '{python}' ist nicht im PATH</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/tasks/engine_task.py" line="98"/>
        <source>{task} (cancelled)</source>
        <translation>{task} (abgebrochen)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/tasks/engine_task.py" line="122"/>
        <source>Engine message: {message}</source>
        <translation>Meldung der Engine: {message}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="60"/>
        <source>automatic (by band count)</source>
        <translation>automatisch (nach Bandanzahl)</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="87"/>
        <source>{name} (%n bands)</source>
        <translation>
            <numerusform>{name} (%n Band)</numerusform>
            <numerusform>{name} (%n Bänder)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="95"/>
        <source>... and %n more</source>
        <translation>
            <numerusform>... und %n weiteres</numerusform>
            <numerusform>... und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="224"/>
        <source>Model package name or folder for this compression; automatic: the engine picks the model matching the rasters&apos; band count</source>
        <translation>Name oder Ordner des Modellpakets für diese Kompression; automatisch: die Engine wählt das Modell, das zur Bandanzahl der Raster passt</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="308"/>
        <source>Every raster is coded with this model (%n bands).</source>
        <translation>
            <numerusform>Jedes Raster wird mit diesem Modell kodiert (%n Band).</numerusform>
            <numerusform>Jedes Raster wird mit diesem Modell kodiert (%n Bänder).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="308"/>
        <source>Every raster is coded with this model.</source>
        <translation>Jedes Raster wird mit diesem Modell kodiert.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="315"/>
        <source>Model: automatic (by band count), the rasters&apos; band count picks the model.</source>
        <translation>Modell: automatisch (nach Bandanzahl), die Bandanzahl der Raster bestimmt das Modell.</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="317"/>
        <source>%n bands: {names}</source>
        <translation>
            <numerusform>%n Band: {names}</numerusform>
            <numerusform>%n Bänder: {names}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="452"/>
        <source>The automatic model is picked by the band count of the first raster ({name}: %n bands); one archive holds one model. These rasters have other band counts and would lose bands or fail:</source>
        <translation>
            <numerusform>Das automatische Modell wird nach der Bandanzahl des ersten Rasters gewählt ({name}: %n Band); ein Archiv enthält ein Modell. Diese Raster haben eine andere Bandanzahl und würden Bänder verlieren oder fehlschlagen:</numerusform>
            <numerusform>Das automatische Modell wird nach der Bandanzahl des ersten Rasters gewählt ({name}: %n Bänder); ein Archiv enthält ein Modell. Diese Raster haben eine andere Bandanzahl und würden Bänder verlieren oder fehlschlagen:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="466"/>
        <source>No listed model takes %n bands ({available}). Choose the bands to use or a model trained for these rasters:</source>
        <translation>
            <numerusform>Kein aufgeführtes Modell nimmt %n Band ({available}). Wählen Sie die zu verwendenden Bänder oder ein für diese Raster trainiertes Modell:</numerusform>
            <numerusform>Kein aufgeführtes Modell nimmt %n Bänder ({available}). Wählen Sie die zu verwendenden Bänder oder ein für diese Raster trainiertes Modell:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="485"/>
        <source>The model &apos;{model}&apos; takes %n bands. These rasters have other band counts: their other bands would be dropped, or they would fail:</source>
        <translation>
            <numerusform>Das Modell '{model}' nimmt %n Band. Diese Raster haben eine andere Bandanzahl: ihre übrigen Bänder würden weggelassen, oder sie würden fehlschlagen:</numerusform>
            <numerusform>Das Modell '{model}' nimmt %n Bänder. Diese Raster haben eine andere Bandanzahl: ihre übrigen Bänder würden weggelassen, oder sie würden fehlschlagen:</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="498"/>
        <source>SCI-CBIR: model and bands do not match</source>
        <translation>SCI-CBIR: Modell und Bänder passen nicht zusammen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="498"/>
        <source>Compress anyway?</source>
        <translation>Trotzdem komprimieren?</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="518"/>
        <source>Nothing to compress: {folder} holds no raster files.</source>
        <translation>Nichts zu komprimieren: {folder} enthält keine Rasterdateien.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="581"/>
        <source>Skipped (not rasters):</source>
        <translation>Übersprungen (keine Raster):</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="528"/>
        <source>Not compressed: the model does not match the bands of some rasters.</source>
        <translation>Nicht komprimiert: das Modell passt nicht zu den Bändern einiger Raster.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="576"/>
        <source>Nothing was added to {archive}.</source>
        <translation>Zu {archive} wurde nichts hinzugefügt.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="584"/>
        <source>Nothing was added to the archive; see the Archive tab for the skipped files.</source>
        <translation>Dem Archiv wurde nichts hinzugefügt; die übersprungenen Dateien stehen im Reiter Archiv.</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="592"/>
        <source>%n files failed:</source>
        <translation>
            <numerusform>%n Datei fehlgeschlagen:</numerusform>
            <numerusform>%n Dateien fehlgeschlagen:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="597"/>
        <source>Archive written; %n files failed (see the Archive tab).</source>
        <translation>
            <numerusform>Archiv geschrieben; %n Datei fehlgeschlagen (siehe Reiter Archiv).</numerusform>
            <numerusform>Archiv geschrieben; %n Dateien fehlgeschlagen (siehe Reiter Archiv).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="71"/>
        <source>Trained models are saved in {folder} and listed in the Archive tab.</source>
        <translation>Trainierte Modelle werden in {folder} gespeichert und im Reiter Archiv aufgeführt.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="75"/>
        <source>Last trained model: {model} (chosen in the Archive tab for the next compression).</source>
        <translation>Zuletzt trainiertes Modell: {model} (im Reiter Archiv für die nächste Kompression gewählt).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="174"/>
        <source>the Python &apos;{python}&apos; has no scicbir package</source>
        <translation>im Python '{python}' ist das Paket scicbir nicht installiert</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/dock.py" line="174"/>
        <source>the Python &apos;{python}&apos; did not run (exit code {code})</source>
        <translation>das Python '{python}' ließ sich nicht ausführen (Exit-Code {code})</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="119"/>
        <source>Restore query layer style</source>
        <translation>Stil des Anfragelayers wiederherstellen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="120"/>
        <source>Put back the query layer&apos;s style from before the search drew it in true colour</source>
        <translation>Den Stil des Anfragelayers von vor der Suche wiederherstellen (die Suche zeigt ihn in Echtfarben)</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/search_panel.py" line="439"/>
        <source>%n result tiles could not be opened; see the SCI-CBIR log.</source>
        <translation>
            <numerusform>%n Trefferkachel konnte nicht geöffnet werden; siehe das SCI-CBIR-Protokoll.</numerusform>
            <numerusform>%n Trefferkacheln konnten nicht geöffnet werden; siehe das SCI-CBIR-Protokoll.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/search_panel.py" line="450"/>
        <source>%n similar tiles, best distance {d:g} (lower is more similar).</source>
        <translation>
            <numerusform>%n ähnliche Kachel, beste Distanz {d:g} (kleiner ist ähnlicher).</numerusform>
            <numerusform>%n ähnliche Kacheln, beste Distanz {d:g} (kleiner ist ähnlicher).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="90"/>
        <source>Details...</source>
        <translation>Details ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="92"/>
        <source>Show the whole message, the engine&apos;s output and the fix</source>
        <translation>Die ganze Meldung, die Ausgabe der Engine und die Abhilfe zeigen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="147"/>
        <source>The training dialog writes new model packages here; the Archive tab lists them with the shipped models. Default: {path}</source>
        <translation>Der Trainingsdialog schreibt neue Modellpakete hierher; der Reiter Archiv führt sie mit den mitgelieferten Modellen auf. Standard: {path}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="153"/>
        <source>Trained models folder</source>
        <translation>Ordner der trainierten Modelle</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="247"/>
        <source>SCI-CBIR: engine check</source>
        <translation>SCI-CBIR: Engine-Prüfung</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="248"/>
        <source>Folder the new model package is written to; by default a new folder in the folder of trained models (Settings), where the Archive tab lists it</source>
        <translation>Ordner, in den das neue Modellpaket geschrieben wird; standardmäßig ein neuer Ordner im Ordner der trainierten Modelle (Einstellungen), wo der Reiter Archiv es aufführt</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="630"/>
        <source>Model {model} chosen in the Archive tab for the next compression.</source>
        <translation>Modell {model} im Reiter Archiv für die nächste Kompression gewählt.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="185"/>
        <source>Relevant</source>
        <translation>Relevant</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="186"/>
        <source>Mark the selected results as what you are looking for</source>
        <translation>Die ausgewählten Treffer als das Gesuchte markieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="190"/>
        <source>Not relevant</source>
        <translation>Nicht relevant</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="191"/>
        <source>Mark the selected results as not what you mean</source>
        <translation>Die ausgewählten Treffer als nicht das Gemeinte markieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="194"/>
        <source>Clear marks</source>
        <translation>Markierungen löschen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="196"/>
        <source>Refine</source>
        <translation>Verfeinern</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="198"/>
        <source>Re-rank the whole archive from the marked results (relevance feedback) and replace the results</source>
        <translation>Das ganze Archiv anhand der markierten Treffer neu ordnen (Relevanz-Feedback) und die Treffer ersetzen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="340"/>
        <source>Search first, then mark results and refine.</source>
        <translation>Suchen Sie zuerst, markieren Sie dann Treffer und verfeinern Sie.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="365"/>
        <source>Refining...</source>
        <translation>Verfeinere ...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="367"/>
        <source>{query} (refined)</source>
        <translation>{query} (verfeinert)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="369"/>
        <source>SCI-CBIR: refining the results</source>
        <translation>SCI-CBIR: Treffer verfeinern</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="369"/>
        <source>Refinement cancelled.</source>
        <translation>Verfeinern abgebrochen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/ui/search_panel.py" line="384"/>
        <source>Refined from %n marked results</source>
        <translation>
            <numerusform>Verfeinert anhand von %n markiertem Treffer</numerusform>
            <numerusform>Verfeinert anhand von %n markierten Treffern</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="384"/>
        <source>(relevant: {relevant}, not relevant: {irrelevant}).</source>
        <translation>(relevant: {relevant}, nicht relevant: {irrelevant}).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/archive_panel.py" line="578"/>
        <source>These files could not be compressed:</source>
        <translation>Diese Dateien konnten nicht komprimiert werden:</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/core/messages.py" line="93"/>
        <source>No model takes rasters with %n bands ({file} has them, and the automatic model follows the first raster). Choose the bands to use, pick a model, or train one for these bands.</source>
        <translation>
            <numerusform>Kein Modell nimmt Raster mit %n Band ({file} hat so viele, und das automatische Modell richtet sich nach dem ersten Raster). Wählen Sie die zu verwendenden Bänder, ein Modell, oder trainieren Sie eines für diese Bänder.</numerusform>
            <numerusform>Kein Modell nimmt Raster mit %n Bändern ({file} hat so viele, und das automatische Modell richtet sich nach dem ersten Raster). Wählen Sie die zu verwendenden Bänder, ein Modell, oder trainieren Sie eines für diese Bänder.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="100"/>
        <source>The raster {file} is damaged or truncated (an incomplete download or copy?) and cannot be read. Replace it or choose another raster.</source>
        <translation>Das Raster {file} ist beschädigt oder abgeschnitten (ein unvollständiger Download oder eine unvollständige Kopie?) und kann nicht gelesen werden. Ersetzen Sie es oder wählen Sie ein anderes Raster.</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/core/messages.py" line="104"/>
        <source>The raster {file} has %n bands, but the archive&apos;s model takes {wanted}. Choose its bands, or use an archive made from rasters like it.</source>
        <translation>
            <numerusform>Das Raster {file} hat %n Band, das Modell des Archivs nimmt aber {wanted}. Wählen Sie seine Bänder oder verwenden Sie ein Archiv aus gleichartigen Rastern.</numerusform>
            <numerusform>Das Raster {file} hat %n Bänder, das Modell des Archivs nimmt aber {wanted}. Wählen Sie seine Bänder oder verwenden Sie ein Archiv aus gleichartigen Rastern.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="110"/>
        <source>The archive {archive} cannot be written: its disk is full. Free disk space, then press Compress again; the files finished before are kept.</source>
        <translation>Das Archiv {archive} kann nicht geschrieben werden: Sein Datenträger ist voll. Geben Sie Speicherplatz frei und drücken Sie dann erneut Komprimieren; die zuvor fertigen Dateien bleiben erhalten.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="114"/>
        <source>The archive {archive} cannot be written (a full disk, missing permissions or a disk error). Check free space and permissions, then press Compress again; the files finished before are kept.</source>
        <translation>Das Archiv {archive} kann nicht geschrieben werden (voller Datenträger, fehlende Schreibrechte oder ein Datenträgerfehler). Prüfen Sie freien Speicherplatz und Rechte und drücken Sie dann erneut Komprimieren; die zuvor fertigen Dateien bleiben erhalten.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="133"/>
        <source>the file is damaged or truncated (an incomplete download or copy?) and cannot be read. Replace it or remove it from the folder.</source>
        <translation>Die Datei ist beschädigt oder abgeschnitten (ein unvollständiger Download oder eine unvollständige Kopie?) und kann nicht gelesen werden. Ersetzen Sie sie oder entfernen Sie sie aus dem Ordner.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="137"/>
        <source>its band files differ in data type or CRS; all band files of one raster must share them.</source>
        <translation>Die Banddateien des Rasters unterscheiden sich in Datentyp oder KBS; alle Banddateien eines Rasters müssen darin übereinstimmen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/core/messages.py" line="141"/>
        <source>it has %n bands, but the archive&apos;s model takes {wanted}. Compress it into an archive of its own (automatic model), or choose its bands.</source>
        <translation>
            <numerusform>Das Raster hat %n Band, das Modell des Archivs nimmt aber {wanted}. Komprimieren Sie es in ein eigenes Archiv (automatisches Modell) oder wählen Sie seine Bänder.</numerusform>
            <numerusform>Das Raster hat %n Bänder, das Modell des Archivs nimmt aber {wanted}. Komprimieren Sie es in ein eigenes Archiv (automatisches Modell) oder wählen Sie seine Bänder.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../scicbir_qgis/core/messages.py" line="147"/>
        <source>the chosen bands do not fit this raster, which has %n bands. Correct the Bands field or leave it empty.</source>
        <translation>
            <numerusform>Die gewählten Bänder passen nicht zu diesem Raster mit %n Band. Korrigieren Sie das Feld Bänder oder lassen Sie es leer.</numerusform>
            <numerusform>Die gewählten Bänder passen nicht zu diesem Raster mit %n Bändern. Korrigieren Sie das Feld Bänder oder lassen Sie es leer.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="153"/>
        <source>its CRS ({crs}) cannot be converted to longitude/latitude. Give the raster a proper CRS (Raster &gt; Projections &gt; Assign Projection), then press Compress again.</source>
        <translation>Das KBS des Rasters ({crs}) lässt sich nicht in geografische Länge/Breite umrechnen. Weisen Sie dem Raster ein gültiges KBS zu (Raster &gt; Projektionen &gt; Projektion zuweisen) und drücken Sie dann erneut Komprimieren.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="157"/>
        <source>it has no georeference. Give the raster a CRS (Raster &gt; Projections &gt; Assign Projection), then press Compress again.</source>
        <translation>Das Raster hat keinen Raumbezug. Weisen Sie dem Raster ein KBS zu (Raster &gt; Projektionen &gt; Projektion zuweisen) und drücken Sie dann erneut Komprimieren.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="161"/>
        <source>it holds values far outside the model&apos;s range, which cannot be coded. Declare its fill value as nodata or clip its values.</source>
        <translation>Das Raster enthält Werte weit außerhalb des Wertebereichs des Modells, die nicht kodiert werden können. Deklarieren Sie seinen Füllwert als NoData oder begrenzen Sie seine Werte.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="165"/>
        <source>the disk filled up while it was written. Free disk space and press Compress again; the files finished before are kept.</source>
        <translation>Der Datenträger wurde voll, während das Raster geschrieben wurde. Geben Sie Speicherplatz frei und drücken Sie erneut Komprimieren; die zuvor fertigen Dateien bleiben erhalten.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="169"/>
        <source>the archive could not be written (a full disk, missing permissions or a disk error). Check free space and permissions, then press Compress again; the files finished before are kept.</source>
        <translation>Das Archiv konnte nicht geschrieben werden (voller Datenträger, fehlende Schreibrechte oder ein Datenträgerfehler). Prüfen Sie freien Speicherplatz und Rechte und drücken Sie dann erneut Komprimieren; die zuvor fertigen Dateien bleiben erhalten.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="67"/>
        <source>Train on this archive (no labels)</source>
        <translation>Auf diesem Archiv trainieren (ohne Labels)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="169"/>
        <source>The archive whose hash codes are retrained on its own tiles, without labels. Its bitstreams stay as they are; it is switched to the new model&apos;s codes when the training has finished, and the previous model stays available.</source>
        <translation>Das Archiv, dessen Hash-Codes auf seinen eigenen Kacheln neu trainiert werden, ohne Labels. Seine Bitströme bleiben, wie sie sind; nach dem Training wechselt es zu den Codes des neuen Modells, und das bisherige Modell bleibt verfügbar.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="180"/>
        <source>Training steps</source>
        <translation>Trainingsschritte</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="400"/>
        <source>Choose the archive folder and the output folder.</source>
        <translation>Wählen Sie den Archivordner und den Ausgabeordner.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="402"/>
        <source>Decoding the archive&apos;s tiles...</source>
        <translation>Die Kacheln des Archivs werden dekodiert...</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="402"/>
        <source>SCI-CBIR: training on the archive (no labels)</source>
        <translation>SCI-CBIR: Training auf dem Archiv (ohne Labels)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="594"/>
        <source>Finished: archive {archive} now uses the codes of {model} ({tiles} tiles re-hashed; the previous model {previous} is kept).</source>
        <translation>Fertig: Archiv {archive} verwendet jetzt die Codes von {model} ({tiles} Kacheln neu gehasht; das bisherige Modell {previous} bleibt erhalten).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="605"/>
        <source>Archive adapted: {model}</source>
        <translation>Archiv angepasst: {model}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/train_dialog.py" line="618"/>
        <source>Cancelled; the archive keeps its codes and model.</source>
        <translation>Abgebrochen; das Archiv behält seine Codes und sein Modell.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="223"/>
        <source>(on {host}, through the command {command})</source>
        <translation>(auf {host}, über den Befehl {command})</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="69"/>
        <source>A path to a Python runs the engine on this computer. A command line is run as given (no shell) and must speak the engine protocol on its input and output, e.g. ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve for an engine on a GPU machine (key-based ssh login; see docs/remote-engine.md).</source>
        <translation>Ein Pfad zu einem Python startet die Engine auf diesem Computer. Eine Befehlszeile wird so ausgeführt, wie sie steht (ohne Shell), und muss auf ihrer Ein- und Ausgabe das Engine-Protokoll sprechen, z. B. ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve für eine Engine auf einem GPU-Rechner (ssh-Anmeldung mit Schlüssel; siehe docs/remote-engine.md).</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="114"/>
        <source>Add folder pair</source>
        <translation>Ordnerpaar hinzufügen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="79"/>
        <source>Check the command in Settings &gt; Options &gt; SCI-CBIR: run it in a terminal, where it must log in without a password prompt and then wait silently for requests (see docs/remote-engine.md), then press &apos;Check engine&apos;.</source>
        <translation>Prüfen Sie den Befehl unter Einstellungen &gt; Optionen &gt; SCI-CBIR: Führen Sie ihn in einem Terminal aus; er muss sich ohne Passwortabfrage anmelden und dann still auf Anfragen warten (siehe docs/remote-engine.md). Drücken Sie dann 'Engine prüfen'.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="68"/>
        <source>Engine Python or command</source>
        <translation>Engine-Python oder Befehl</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="311"/>
        <source>Engine command: {command}</source>
        <translation>Engine-Befehl: {command}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="105"/>
        <source>Folder on this computer</source>
        <translation>Ordner auf diesem Computer</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="126"/>
        <source>Only for an engine on another computer: every path sent to it is translated from the first folder to the second (e.g. /home/me/archives to /mnt/archives), and the paths in its answers back.</source>
        <translation>Nur für eine Engine auf einem anderen Computer: Jeder an sie gesendete Pfad wird vom ersten Ordner in den zweiten übersetzt (z. B. /home/me/archives in /mnt/archives), die Pfade in ihren Antworten zurück.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="136"/>
        <source>Path mapping</source>
        <translation>Pfadzuordnung</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="117"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="105"/>
        <source>Same folder on the engine&apos;s computer</source>
        <translation>Derselbe Ordner auf dem Computer der Engine</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="97"/>
        <source>The SCI-CBIR engine could not be started with the command &apos;{command}&apos;.</source>
        <translation>Die SCI-CBIR-Engine konnte mit dem Befehl '{command}' nicht gestartet werden.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="151"/>
        <source>The engine cannot see &apos;{local}&apos; ({sent}), which exists on this machine. Add or correct a pair in &apos;Path mapping&apos; (Settings &gt; Options &gt; SCI-CBIR) so that this folder is reached on the engine&apos;s machine, or mount the share there.</source>
        <translation>Die Engine sieht '{local}' nicht ({sent}), obwohl es auf diesem Rechner existiert. Ergänzen oder korrigieren Sie ein Paar unter 'Pfadzuordnung' (Einstellungen &gt; Optionen &gt; SCI-CBIR), damit dieser Ordner auf dem Rechner der Engine erreicht wird, oder binden Sie die Freigabe dort ein.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/settings_widget.py" line="212"/>
        <source>The path mapping setting is wrong: {reason}</source>
        <translation>Die Pfadzuordnung ist fehlerhaft: {reason}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="150"/>
        <source>no path mapping covers it, so it was sent unchanged</source>
        <translation>keine Pfadzuordnung erfasst ihn, daher wurde er unverändert gesendet</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="142"/>
        <source>the engine command cannot be read: {reason}</source>
        <translation>der Engine-Befehl kann nicht gelesen werden: {reason}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="148"/>
        <source>the path mapping made it &apos;{remote}&apos;</source>
        <translation>die Pfadzuordnung machte daraus '{remote}'</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/engine.py" line="183"/>
        <source>the path mapping setting is wrong: {reason}</source>
        <translation>die Pfadzuordnung ist fehlerhaft: {reason}</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="150"/>
        <source>the program &apos;{program}&apos; of the engine command is not on PATH</source>
        <translation>das Programm '{program}' des Engine-Befehls ist nicht im PATH</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/settings.py" line="146"/>
        <source>the program {program} of the engine command does not exist</source>
        <translation>das Programm {program} des Engine-Befehls existiert nicht</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="398"/>
        <source>Export archive as STAC catalog</source>
        <translation>Archiv als STAC-Katalog exportieren</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="401"/>
        <source>Writes the archive as a static STAC catalog: one collection for the archive (model, bands, extent) and one item per source raster (footprint, CRS and grid, acquisition time, tiles, bpp, PSNR, the packs and catalog as assets), checked against the STAC schemas. Running it again into the same folder adds the items of new sources, removes those of removed ones and leaves unchanged files as they are. The archive is only read. Licence: an SPDX id such as CC-BY-4.0 (empty: from the rasters&apos; metadata, else &apos;other&apos;).</source>
        <translation>Schreibt das Archiv als statischen STAC-Katalog: eine Collection für das Archiv (Modell, Bänder, Ausdehnung) und ein Item je Quellraster (Umriss, KBS und Raster, Aufnahmezeit, Kacheln, bpp, PSNR, die Packs und der Katalog als Assets), geprüft gegen die STAC-Schemas. Ein erneuter Lauf in denselben Ordner fügt die Items neuer Quellen hinzu, entfernt die entfernter Quellen und lässt unveränderte Dateien, wie sie sind. Das Archiv wird nur gelesen. Lizenz: eine SPDX-Kennung wie CC-BY-4.0 (leer: aus den Metadaten der Raster, sonst 'other').</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="417"/>
        <source>STAC folder</source>
        <translation>STAC-Ordner</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="418"/>
        <source>Licence of the rasters (SPDX id, optional)</source>
        <translation>Lizenz der Raster (SPDX-Kennung, optional)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="423"/>
        <source>STAC collection file</source>
        <translation>STAC-Collection-Datei</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="424"/>
        <source>Items (source rasters)</source>
        <translation>Items (Quellraster)</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/processing_provider/algorithms.py" line="440"/>
        <source>{items} items: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged</source>
        <translation>{items} Items: {added} hinzugefügt, {updated} aktualisiert, {removed} entfernt, {unchanged} unverändert</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/ui/search_panel.py" line="457"/>
        <source>Fast approximate search of a very large archive: it finds {p:.0%} of the 20 most similar tiles an exhaustive search finds.</source>
        <translation>Schnelle Näherungssuche in einem sehr großen Archiv: Sie findet {p:.0%} der 20 ähnlichsten Kacheln, die eine vollständige Suche findet.</translation>
    </message>
    <message>
        <location filename="../scicbir_qgis/core/messages.py" line="119"/>
        <source>The archive {archive} holds the hash codes of an earlier version of the model {model}: the same codec, so every tile is intact, but codes of the new version cannot be compared with them. Give the archive the new codes once with the engine&apos;s command &apos;scicbir archive rehash {archive} --model {model}&apos; (no tile is re-encoded), then try again.</source>
        <translation>Das Archiv {archive} enthält die Hash-Codes einer früheren Version des Modells {model}: derselbe Codec, daher ist jede Kachel unversehrt, aber Codes der neuen Version lassen sich nicht mit ihnen vergleichen. Geben Sie dem Archiv einmal die neuen Codes mit dem Befehl der Engine &apos;scicbir archive rehash {archive} --model {model}&apos; (keine Kachel wird neu codiert) und versuchen Sie es dann erneut.</translation>
    </message>
</context>
<context>
    <name>CurvesWidget</name>
    <message>
        <location filename="../scicbir_qgis/ui/curves.py" line="52"/>
        <source>Curves appear during training</source>
        <translation>Kurven erscheinen während des Trainings</translation>
    </message>
</context>
</TS>
