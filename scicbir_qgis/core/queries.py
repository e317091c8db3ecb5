"""Building the engine's request parameters from what the user picked in QGIS.

Kept apart from the widgets so the panel and the Processing algorithms send the same requests
and the tests can check them without clicking.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsGeometry,
    QgsRasterLayer,
)

from .i18n import tr


class QueryError(ValueError):
    """Something the user has to pick or fix before a request can be sent."""


def raster_path(layer: QgsRasterLayer) -> str:
    """The file behind a raster layer; refuses layers that are not local files."""
    if layer is None or not layer.isValid():
        raise QueryError(tr("Choose a valid raster layer as the query."))
    source = layer.source().split("|")[0]
    if layer.providerType() != "gdal" or not Path(source).exists():
        raise QueryError(
            tr(
                "The layer '{name}' is not a local raster file; save it as a GeoTIFF "
                "(Export > Save As) and query that."
            ).format(name=layer.name())
        )
    return source


def crs_text(crs: QgsCoordinateReferenceSystem) -> str:
    """An authority id when there is one, otherwise WKT (any CRS the engine can read)."""
    authid = crs.authid()
    return authid if authid else crs.toWkt()


def results_root() -> Path:
    """Where decoded result tiles are written: the "results folder" setting, by default the
    QGIS profile's ``scicbir/results`` (kept across sessions, so saved projects still open)."""
    from .settings import PluginSettings

    chosen = PluginSettings.load().results_folder
    if chosen:
        return Path(chosen)
    return Path(QgsApplication.qgisSettingsDirPath()) / "scicbir" / "results"


def new_results_dir(root: Path | None = None) -> Path:
    base = root or results_root()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = base / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = base / f"{stamp}-{suffix}"
    target.mkdir(parents=True)
    return target


def search_params(
    archive: str,
    layer: QgsRasterLayer,
    geometry: QgsGeometry,
    crs: QgsCoordinateReferenceSystem,
    k: int,
    out_dir: Path,
) -> dict[str, Any]:
    """Parameters of the engine's ``search``: region in its own CRS, results written to files."""
    if not archive or not Path(archive).is_dir():
        raise QueryError(tr("Choose the archive folder to search in."))
    if geometry is None or geometry.isEmpty():
        raise QueryError(tr("Draw a region on the map first (rectangle or polygon)."))
    return {
        "archive": archive,
        "raster": raster_path(layer),
        "geometry": geometry.asWkt(),
        "crs": crs_text(crs),
        "k": int(k),
        "out": str(out_dir / "footprints.gpkg"),
        "decode": str(out_dir / "tiles"),
    }


def compress_params(
    source: str, archive: str, model: str, bands: str, quality: int | None = None
) -> dict[str, Any]:
    """Parameters of the engine's ``compress`` job. ``quality``: the model's rate point
    (None or 0: left out, the engine then uses the model's default point, or for an existing
    archive the point it was made with)."""
    if not source or not Path(source).is_dir():
        raise QueryError(tr("Choose the folder of rasters to compress."))
    if not archive:
        raise QueryError(tr("Choose the archive folder to write to."))
    params: dict[str, Any] = {"input": source, "archive": archive}
    if model:
        params["model"] = model
    names = [b.strip() for b in bands.replace(";", ",").split(",") if b.strip()]
    if names:
        params["bands"] = names
    if quality:
        params["quality"] = int(quality)
    return params
