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
    """Footprints of ``windows`` of a raster with ``transform``/``crs``, as EPSG:4326 rings.

    A tile crossing the antimeridian keeps continuous longitudes (``unwrap_longitudes``), so
    its ring may reach past 180 or -180 degrees; rasters already in EPSG:4326 keep their own
    coordinates.
    """
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
    xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
    centre = central_longitude(crs) if crs != wgs84 else None
    rings = []
    for i in range(len(windows)):
        lons = xs[i * n : (i + 1) * n]
        if centre is not None:  # reprojected: longitudes came back wrapped to [-180, 180]
            lons = unwrap_longitudes(lons, centre)
        rings.append(list(zip(lons.tolist(), ys[i * n : (i + 1) * n].tolist(), strict=True)))
    return rings


def central_longitude(crs) -> float:
    """The longitude a projected CRS is centred on (UTM: its zone's meridian), else 0.

    Footprints of one raster are placed within 180 degrees of it, so all tiles of a raster in
    UTM zone 60 or 1 get longitudes on the same side of the antimeridian.
    """
    try:
        params = crs.to_dict()
    except Exception:  # a CRS that PROJ cannot write as parameters
        return 0.0
    if params.get("proj") == "utm" and params.get("zone"):
        return 6.0 * int(params["zone"]) - 183.0
    try:
        return float(params.get("lon_0", 0.0))
    except (TypeError, ValueError):
        return 0.0


def unwrap_longitudes(lons: np.ndarray, centre: float = 0.0) -> np.ndarray:
    """A ring's longitudes made continuous across the antimeridian, near ``centre``.

    Reprojection returns longitudes in [-180, 180], so a tile crossing +-180 degrees would get
    vertices at 179.9 and -179.9 and be drawn as a band 360 degrees wide around the globe.
    Every jump of more than 180 degrees between neighbouring vertices (the edges are densified,
    so a real edge is far shorter) is taken as a crossing, and the vertices after it are moved
    by 360 degrees: the ring stays one polygon of the tile's true size, reaching a little past
    180 (or -180). The whole ring is then moved by a multiple of 360 degrees so that its
    middle lies in [``centre`` - 180, ``centre`` + 180): the tiles of one raster stay side by
    side (its layer extent is the raster's, not the world's), and with ``centre`` 0 a ring that
    does not cross keeps its longitudes. One polygon, not a split multipolygon, keeps the
    ``tiles`` layer POLYGON; QGIS draws it in place, and a region given in EPSG:4326 with the
    same longitudes (such as 179.9 to 180.1) reprojects onto the same pixels, as PROJ takes
    longitudes beyond 180.
    """
    lons = np.asarray(lons, np.float64)
    if lons.size == 0:
        return lons
    steps = np.diff(lons)
    if np.any(np.abs(steps) > 180.0):
        turns = np.where(steps > 180.0, -360.0, np.where(steps < -180.0, 360.0, 0.0))
        lons = lons + np.concatenate([[0.0], np.cumsum(turns)])
    middle = (lons.min() + lons.max()) / 2.0
    shift = 360.0 * np.floor((middle - centre + 180.0) / 360.0)
    return lons - shift if shift else lons


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
            reason="unknown_crs",
            crs=name[:80],
        ) from exc
