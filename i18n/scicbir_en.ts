<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
  <context>
    <name>@default</name>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="87" />
      <source>{name} (%n bands)</source>
      <translation>
        <numerusform>{name} (%n band)</numerusform>
        <numerusform>{name} (%n bands)</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="95" />
      <source>... and %n more</source>
      <translation>
        <numerusform>... and %n more</numerusform>
        <numerusform>... and %n more</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="344" />
      <source>Every raster is coded with this model (%n bands).</source>
      <translation>
        <numerusform>Every raster is coded with this model (%n band).</numerusform>
        <numerusform>Every raster is coded with this model (%n bands).</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="353" />
      <source>%n bands: {names}</source>
      <translation>
        <numerusform>%n band: {names}</numerusform>
        <numerusform>%n bands: {names}</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="488" />
      <source>The automatic model is picked by the band count of the first raster ({name}: %n bands); one archive holds one model. These rasters have other band counts and would lose bands or fail:</source>
      <translation>
        <numerusform>The automatic model is picked by the band count of the first raster ({name}: %n band); one archive holds one model. These rasters have other band counts and would lose bands or fail:</numerusform>
        <numerusform>The automatic model is picked by the band count of the first raster ({name}: %n bands); one archive holds one model. These rasters have other band counts and would lose bands or fail:</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="502" />
      <source>No listed model takes %n bands ({available}). Choose the bands to use or a model trained for these rasters:</source>
      <translation>
        <numerusform>No listed model takes %n band ({available}). Choose the bands to use or a model trained for these rasters:</numerusform>
        <numerusform>No listed model takes %n bands ({available}). Choose the bands to use or a model trained for these rasters:</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="521" />
      <source>The model '{model}' takes %n bands. These rasters have other band counts: their other bands would be dropped, or they would fail:</source>
      <translation>
        <numerusform>The model '{model}' takes %n band. These rasters have other band counts: their other bands would be dropped, or they would fail:</numerusform>
        <numerusform>The model '{model}' takes %n bands. These rasters have other band counts: their other bands would be dropped, or they would fail:</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="627" />
      <source>%n files failed:</source>
      <translation>
        <numerusform>%n file failed:</numerusform>
        <numerusform>%n files failed:</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/archive_panel.py" line="632" />
      <source>Archive written; %n files failed (see the Archive tab).</source>
      <translation>
        <numerusform>Archive written; %n file failed (see the Archive tab).</numerusform>
        <numerusform>Archive written; %n files failed (see the Archive tab).</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/search_panel.py" line="292" />
      <source>%n result tiles could not be opened; see the SCI-CBIR log.</source>
      <translation>
        <numerusform>%n result tile could not be opened; see the SCI-CBIR log.</numerusform>
        <numerusform>%n result tiles could not be opened; see the SCI-CBIR log.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/search_panel.py" line="303" />
      <source>%n similar tiles, best distance {d:g} (lower is more similar).</source>
      <translation>
        <numerusform>%n similar tile, best distance {d:g} (lower is more similar).</numerusform>
        <numerusform>%n similar tiles, best distance {d:g} (lower is more similar).</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/ui/search_panel.py" line="384" />
      <source>Refined from %n marked results</source>
      <translation>
        <numerusform>Refined from %n marked result</numerusform>
        <numerusform>Refined from %n marked results</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/core/messages.py" line="93" />
      <source>No model takes rasters with %n bands ({file} has them, and the automatic model follows the first raster). Choose the bands to use, pick a model, or train one for these bands.</source>
      <translation>
        <numerusform>No model takes rasters with %n band ({file} has one, and the automatic model follows the first raster). Choose the bands to use, pick a model, or train one for such rasters.</numerusform>
        <numerusform>No model takes rasters with %n bands ({file} has them, and the automatic model follows the first raster). Choose the bands to use, pick a model, or train one for these bands.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/core/messages.py" line="104" />
      <source>The raster {file} has %n bands, but the archive's model takes {wanted}. Choose its bands, or use an archive made from rasters like it.</source>
      <translation>
        <numerusform>The raster {file} has %n band, but the archive's model takes {wanted}. Choose its bands, or use an archive made from rasters like it.</numerusform>
        <numerusform>The raster {file} has %n bands, but the archive's model takes {wanted}. Choose its bands, or use an archive made from rasters like it.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/core/messages.py" line="134" />
      <source>it has %n bands, but the archive's model takes {wanted}. Compress it into an archive of its own (automatic model), or choose its bands.</source>
      <translation>
        <numerusform>it has %n band, but the archive's model takes {wanted}. Compress it into an archive of its own (automatic model), or choose its bands.</numerusform>
        <numerusform>it has %n bands, but the archive's model takes {wanted}. Compress it into an archive of its own (automatic model), or choose its bands.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <location filename="../work/main/scicbir_qgis/core/messages.py" line="140" />
      <source>the chosen bands do not fit this raster, which has %n bands. Correct the Bands field or leave it empty.</source>
      <translation>
        <numerusform>the chosen bands do not fit this raster, which has %n band. Correct the Bands field or leave it empty.</numerusform>
        <numerusform>the chosen bands do not fit this raster, which has %n bands. Correct the Bands field or leave it empty.</numerusform>
      </translation>
    </message>
  </context>
</TS>
