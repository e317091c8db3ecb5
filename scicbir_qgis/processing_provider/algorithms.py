"""Processing algorithms over the engine, for batch runs and graphical models.

They call the same engine session as the panel (the model stays loaded) and map Processing's
feedback onto engine progress and cancel. Errors become ``QgsProcessingException`` with the
engine's message, which Processing shows in its log without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..core.engine import EngineUnavailableError, JobCancelledError, session
from ..core.i18n import tr
from ..core.messages import message_of
from ..core.queries import QueryError, compress_params, search_params
from ..core.settings import PluginSettings
from ..engine_client import EngineError
from ..paths import icon_path


class _ResultStyler(QgsProcessingLayerPostProcessorInterface):
    """Styles a layer that Processing loads when the search algorithm has ended, as the panel
    styles its results: footprints with the rank style, decoded tiles in true colour with the
    stretch of their source raster (computed once for all tiles of that source). Processing
    runs algorithms in a worker thread and loads their layers on the main thread afterwards;
    this is QGIS's hook for styling them there."""

    def __init__(
        self,
        style: str | None = None,
        ranges: list[tuple[float, float]] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.style, self.ranges, self.properties = style, ranges, dict(properties or {})

    def postProcessLayer(self, layer, context, feedback) -> None:  # noqa: N802 (QGIS API)
        from ..core.rendering import apply_rendering
        from ..core.results import style_path

        for key, value in self.properties.items():
            layer.setCustomProperty(key, value)
        if self.style:
            layer.loadNamedStyle(style_path(self.style))
            layer.triggerRepaint()
        elif isinstance(layer, QgsRasterLayer):
            apply_rendering(layer, self.ranges)
        if self in _STYLERS:  # used once: QGIS calls it for its layer only
            _STYLERS.remove(self)


#: Post-processors must outlive the algorithm run that registers them (QGIS keeps plain
#: pointers): each is kept here until it has styled its layer, whatever other runs do.
_STYLERS: list[_ResultStyler] = []


def load_search_results(answer: Any, output: str, context: QgsProcessingContext) -> int:
    """Have Processing load the footprints (styled by rank) and every decoded tile (true colour,
    one stretch per source) when the algorithm ends; returns the number of tiles to load."""
    from ..core import rendering
    from ..core.results import RANK_STYLE, RESULT_PROPERTY, parse_results

    if context.willLoadLayerOnCompletion(output):
        styler = _ResultStyler(RANK_STYLE, properties={RESULT_PROPERTY: True})
        _STYLERS.append(styler)
        context.layerToLoadOnCompletionDetails(output).setPostProcessor(styler)
    tiles = [t for t in parse_results(answer) if t.path and Path(t.path).is_file()]
    layers = {}
    for tile in tiles:
        layer = QgsRasterLayer(tile.path, tile.layer_name, "gdal")
        if layer.isValid():
            layer.setCustomProperty(rendering.SOURCE_PROPERTY, tile.source or tile.path)
            layers[tile.path] = layer
    ranges = rendering.ranges_by_source(list(layers.values()))
    loaded = 0
    for tile in tiles:
        layer = layers.get(tile.path)
        if layer is None:
            continue
        properties = {
            RESULT_PROPERTY: True,
            "scicbir/rank": tile.rank,
            "scicbir/tile_id": str(tile.tile_id),
            "scicbir/distance": tile.distance,
        }
        if tile.source:
            properties[rendering.SOURCE_PROPERTY] = tile.source
        styler = _ResultStyler(ranges=ranges[rendering.stretch_key(layer)], properties=properties)
        _STYLERS.append(styler)
        details = QgsProcessingContext.LayerDetails(
            tile.layer_name, context.project(), tile.layer_name
        )
        details.setPostProcessor(styler)
        context.addLayerToLoadOnCompletion(tile.path, details)
        loaded += 1
    return loaded


class _EngineAlgorithm(QgsProcessingAlgorithm):
    """Shared plumbing: engine calls with feedback, readable exceptions."""

    def group(self) -> str:
        return ""

    def groupId(self) -> str:
        return ""

    def icon(self) -> QIcon:
        return QIcon(icon_path())

    def createInstance(self):
        return type(self)()

    def _engine(self, feedback, action):
        try:
            return action()
        except (QueryError, EngineUnavailableError) as exc:
            raise QgsProcessingException(str(exc)) from None
        except JobCancelledError:
            raise QgsProcessingException(tr("Cancelled.")) from None
        except EngineError as exc:
            worded = message_of(exc)
            text = worded if worded == exc.message else f"{worded}\n{exc.message}"
            raise QgsProcessingException(f"{text} ({exc.code})") from None

    @staticmethod
    def _on_progress(feedback):
        def report(event: dict) -> None:
            done, total = event.get("done") or 0, event.get("total") or 0
            if total:
                feedback.setProgress(100.0 * done / total)
            if event.get("message"):
                feedback.setProgressText(str(event["message"]))

        return report


class CompressFolderAlgorithm(_EngineAlgorithm):
    INPUT, ARCHIVE, MODEL, BANDS = "INPUT", "ARCHIVE", "MODEL", "BANDS"
    QUALITY = "QUALITY"
    CATALOG, TILES, FAILED = "CATALOG", "TILES", "FAILED"

    def name(self) -> str:
        return "compressfolder"

    def displayName(self) -> str:
        return tr("Compress raster folder into archive")

    def shortHelpString(self) -> str:
        return tr(
            "Compresses every raster of a folder (recursively) into an archive folder with the "
            "learned codec and indexes each tile's hash code for search. Running it again "
            "continues an interrupted run; changed files are re-compressed. Quality picks one "
            "of the model's rate points (1 = fewest bits; 0 or empty: the model's default, or "
            "for an existing archive the quality it was made with)."
        )

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT, tr("Raster folder"), QgsProcessingParameterFile.Folder
            )
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(self.ARCHIVE, tr("Archive folder"))
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.MODEL, tr("Model (empty: chosen by the bands)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.BANDS, tr("Bands, e.g. B04,B03,B02 (empty: automatic)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.QUALITY,
                tr("Quality: the model's rate point, 1 = fewest bits (0 or empty: default)"),
                QgsProcessingParameterNumber.Integer,
                None,
                optional=True,
                minValue=0,
            )
        )
        self.addOutput(QgsProcessingOutputString(self.CATALOG, tr("Archive catalog")))
        self.addOutput(QgsProcessingOutputNumber(self.TILES, tr("Tiles in the archive")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, tr("Files that failed")))

    def processAlgorithm(self, parameters, context: QgsProcessingContext, feedback) -> dict:
        from ..core.compress_summary import catalog_path, failures_of

        source = self.parameterAsFile(parameters, self.INPUT, context)
        archive = self.parameterAsString(parameters, self.ARCHIVE, context)
        # empty: automatic, the model follows the rasters' bands (no pinned default)
        model = self.parameterAsString(parameters, self.MODEL, context)
        bands = self.parameterAsString(parameters, self.BANDS, context)
        quality = None
        if parameters.get(self.QUALITY) not in (None, ""):
            quality = self.parameterAsInt(parameters, self.QUALITY, context) or None
        answer = self._engine(
            feedback,
            lambda: session().run_job(
                "compress",
                compress_params(source, archive, model, bands, quality),
                self._on_progress(feedback),
                feedback.isCanceled,
            ),
        )
        failures = failures_of(answer)
        for line in failures:
            feedback.reportError(line, False)
        tiles = answer.get("tiles", 0) if isinstance(answer, dict) else 0
        return {
            self.ARCHIVE: archive,
            self.CATALOG: catalog_path(archive, answer) or "",
            self.TILES: tiles if isinstance(tiles, (int, float)) else len(tiles),
            self.FAILED: len(failures),
        }


class SearchRegionAlgorithm(_EngineAlgorithm):
    ARCHIVE, RASTER, EXTENT, K = "ARCHIVE", "RASTER", "EXTENT", "K"
    OUTPUT, DECODED = "OUTPUT", "DECODED"

    def name(self) -> str:
        return "searchregion"

    def displayName(self) -> str:
        return tr("Search archive for tiles similar to a region")

    def shortHelpString(self) -> str:
        return tr(
            "Reads the region of the raster, hashes it with the archive's model and returns the "
            "k most similar archive tiles: their footprints with rank and Hamming distance "
            "(lower is more similar), and each tile decoded to a GeoTIFF."
        )

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.ARCHIVE, tr("Archive folder"), QgsProcessingParameterFile.Folder
            )
        )
        self.addParameter(QgsProcessingParameterRasterLayer(self.RASTER, tr("Query raster")))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Query region")))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.K,
                tr("Number of results"),
                QgsProcessingParameterNumber.Integer,
                PluginSettings.load().k,
                minValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.OUTPUT, tr("Result footprints"), QgsProcessing.TypeVectorPolygon
            )
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(self.DECODED, tr("Folder for decoded tiles"))
        )

    def processAlgorithm(self, parameters, context: QgsProcessingContext, feedback) -> dict:
        archive = self.parameterAsFile(parameters, self.ARCHIVE, context)
        layer = self.parameterAsRasterLayer(parameters, self.RASTER, context)
        crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
        rect = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        k = self.parameterAsInt(parameters, self.K, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        decoded = self.parameterAsString(parameters, self.DECODED, context)
        if not output.lower().endswith(".gpkg"):
            raise QgsProcessingException(tr("Result footprints must be a GeoPackage (.gpkg)."))
        Path(decoded).mkdir(parents=True, exist_ok=True)

        def run() -> Any:
            params = search_params(
                archive, layer, QgsGeometry.fromRect(rect), crs, k, Path(decoded)
            )
            params["out"] = output
            params["decode"] = decoded
            return session().call("search", params, feedback.isCanceled)

        # a search answers once (no progress events): the bar moves at each step it passes
        feedback.setProgress(5)
        feedback.setProgressText(tr("Searching the archive..."))
        answer = self._engine(feedback, run)
        feedback.setProgress(80)
        from ..core.results import parse_results

        tiles = parse_results(answer)
        for tile in tiles:
            feedback.pushInfo(
                f"#{tile.rank} tile {tile.tile_id} distance {tile.distance:g} {tile.source}"
            )
        load_search_results(answer, output, context)
        feedback.setProgress(100)
        return {self.OUTPUT: output, self.DECODED: decoded}


class DecodeTilesAlgorithm(_EngineAlgorithm):
    ARCHIVE, TILES, OUTPUT = "ARCHIVE", "TILES", "OUTPUT"
    FILES = "FILES"

    def name(self) -> str:
        return "decodetiles"

    def displayName(self) -> str:
        return tr("Decode archive tiles to GeoTIFF")

    def shortHelpString(self) -> str:
        return tr(
            "Decodes archive tiles (ids as shown in the archive's catalog or in search results, "
            "separated by commas) from their bitstreams into GeoTIFFs with the original "
            "georeference, band order, data type and nodata."
        )

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.ARCHIVE, tr("Archive folder"), QgsProcessingParameterFile.Folder
            )
        )
        self.addParameter(
            QgsProcessingParameterString(self.TILES, tr("Tile ids (comma separated)"))
        )
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, tr("Output folder")))
        self.addOutput(QgsProcessingOutputString(self.FILES, tr("Decoded files")))

    def processAlgorithm(self, parameters, context: QgsProcessingContext, feedback) -> dict:
        archive = self.parameterAsFile(parameters, self.ARCHIVE, context)
        text = self.parameterAsString(parameters, self.TILES, context)
        out = self.parameterAsString(parameters, self.OUTPUT, context)
        try:
            ids = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise QgsProcessingException(
                tr("Tile ids must be whole numbers separated by commas, got '{text}'.").format(
                    text=text
                )
            ) from None
        if not ids:
            raise QgsProcessingException(tr("Give at least one tile id."))
        Path(out).mkdir(parents=True, exist_ok=True)
        answer = self._engine(
            feedback,
            lambda: session().call(
                "decode", {"archive": archive, "tiles": ids, "out_dir": out}, feedback.isCanceled
            ),
        )
        files = decoded_files(answer)
        for path in files:
            feedback.pushInfo(path)
        return {self.OUTPUT: out, self.FILES: ";".join(files)}


def decoded_files(answer: Any) -> list[str]:
    """GeoTIFF paths from a ``decode`` answer (a list, or a dict with ``paths``/``files``)."""
    if isinstance(answer, dict):
        answer = answer.get("paths") or answer.get("files") or answer.get("results") or []
    files = []
    for item in answer or []:
        files.append(str(item.get("path", "")) if isinstance(item, dict) else str(item))
    return [f for f in files if f]


class ExportStacAlgorithm(_EngineAlgorithm):
    ARCHIVE, OUTPUT, LICENSE = "ARCHIVE", "OUTPUT", "LICENSE"
    COLLECTION, ITEMS = "COLLECTION", "ITEMS"

    def name(self) -> str:
        return "exportstac"

    def displayName(self) -> str:
        return tr("Export archive as STAC catalog")

    def shortHelpString(self) -> str:
        return tr(
            "Writes the archive as a static STAC catalog: one collection for the archive (model, "
            "bands, extent) and one item per source raster (footprint, CRS and grid, acquisition "
            "time, tiles, bpp, PSNR, the packs and catalog as assets), checked against the STAC "
            "schemas. Running it again into the same folder adds the items of new sources, "
            "removes those of removed ones and leaves unchanged files as they are. The archive "
            "is only read. Licence: an SPDX id such as CC-BY-4.0 (empty: from the rasters' "
            "metadata, else 'other')."
        )

    def initAlgorithm(self, config=None) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                self.ARCHIVE, tr("Archive folder"), QgsProcessingParameterFile.Folder
            )
        )
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, tr("STAC folder")))
        self.addParameter(
            QgsProcessingParameterString(
                self.LICENSE, tr("Licence of the rasters (SPDX id, optional)"), optional=True
            )
        )
        self.addOutput(QgsProcessingOutputString(self.COLLECTION, tr("STAC collection file")))
        self.addOutput(QgsProcessingOutputNumber(self.ITEMS, tr("Items (source rasters)")))

    def processAlgorithm(self, parameters, context: QgsProcessingContext, feedback) -> dict:
        archive = self.parameterAsFile(parameters, self.ARCHIVE, context)
        out = self.parameterAsString(parameters, self.OUTPUT, context)
        licence = self.parameterAsString(parameters, self.LICENSE, context).strip()
        params = {"archive": archive, "out": out}
        if licence:
            params["license"] = licence
        answer = self._engine(
            feedback,
            lambda: session().run_job(
                "archive.stac", params, self._on_progress(feedback), feedback.isCanceled
            ),
        )
        answer = answer if isinstance(answer, dict) else {}
        feedback.pushInfo(
            tr(
                "{items} items: {added} added, {updated} updated, {removed} removed, "
                "{unchanged} unchanged"
            ).format(
                items=answer.get("items", 0),
                added=len(answer.get("added") or []),
                updated=len(answer.get("updated") or []),
                removed=len(answer.get("removed") or []),
                unchanged=answer.get("unchanged", 0),
            )
        )
        return {
            self.OUTPUT: out,
            self.COLLECTION: str(answer.get("collection") or ""),
            self.ITEMS: int(answer.get("items") or 0),
        }
