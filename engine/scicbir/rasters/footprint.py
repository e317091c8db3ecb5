"""Tile footprints as polygons, in EPSG:4326 so archives mixing CRSs show as one layer.

Each footprint covers the tile's *valid* pixels (padding excluded). Its edges are densified
(``points_per_edge``) before reprojection, so a footprint stays faithful where a projected
square becomes a curved shape in longitude/latitude. Non-georeferenced images get footprints
in pixel space (x = column, y = -row, so north is up as in an image viewer).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scicbir.rasters.grid import TileWindow

Ring = list[tuple[float, float]]


def _pixel_ring(window: TileWindow, points_per_edge: int) -> tuple[np.ndarray, np.ndarray]:
    """Closed ring of pixel-corner coordinates (cols, rows), clockwise from the top-left."""
    t = np.linspace(0.0, 1.0, points_per_edge + 1)[:-1]
    c0, r0 = window.col, window.row
    c1, r1 = c0 + window.valid_width, r0 + window.valid_height
    cols = np.concatenate(
        [c0 + t * (c1 - c0), np.full_like(t, c1), c1 - t * (c1 - c0), np.full_like(t, c0), [c0]]
    )
    rows = np.concatenate(
        [np.full_like(t, r0), r0 + t * (r1 - r0), np.full_like(t, r1), r1 - t * (r1 - r0), [r0]]
    )
    return cols, rows


def pixel_footprints(windows: Sequence[TileWindow]) -> list[Ring]:
    """Footprints in pixel space for images without a georeference."""
    rings = []
    for w in windows:
        cols, rows = _pixel_ring(w, 1)
        rings.append([(float(c), -float(r)) for c, r in zip(cols, rows, strict=True)])
    return rings


def footprints_wgs84(
    transform, crs, windows: Sequence[TileWindow], points_per_edge: int = 4
) -> list[Ring]:
    """Footprints of ``windows`` of a raster with ``transform``/``crs``, as EPSG:4326 rings."""
    from rasterio.crs import CRS
    from rasterio.warp import transform as warp_points

    if not windows:
        return []
    all_cols, all_rows = zip(*(_pixel_ring(w, points_per_edge) for w in windows), strict=True)
    cols, rows = np.concatenate(all_cols), np.concatenate(all_rows)
    xs, ys = transform * (cols, rows)
    wgs84 = CRS.from_epsg(4326)
    if crs != wgs84:
        xs, ys = warp_points(crs, wgs84, np.asarray(xs).tolist(), np.asarray(ys).tolist())
    n = len(all_cols[0])
    xs, ys = np.asarray(xs), np.asarray(ys)
    return [
        list(zip(xs[i * n : (i + 1) * n].tolist(), ys[i * n : (i + 1) * n].tolist(), strict=True))
        for i in range(len(windows))
    ]


def check_wgs84_transformable(path: str, transform, crs) -> None:
    """Raise ``InputError`` naming the file when its CRS cannot be brought to EPSG:4326.

    Checked before any tile is encoded, so a raster with a local or broken CRS fails at once.
    """
    from scicbir.errors import InputError

    try:
        footprints_wgs84(transform, crs, [TileWindow(0, 0, 1, 1, 1)], points_per_edge=1)
    except Exception as exc:  # PROJ/GDAL raise several types here
        name = crs.to_string() if crs else "none"
        raise InputError(
            f"{path}: its CRS ({name[:80]}) cannot be transformed to longitude/latitude "
            f"({str(exc)[:120]}); set a proper CRS, e.g. gdal_edit.py -a_srs EPSG:<code> {path}",
            file=path,
        ) from exc
