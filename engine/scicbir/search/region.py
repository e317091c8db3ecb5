"""A query region: from what the user drew (any CRS) to the model tiles of a raster.

Steps, each a function here:

1. ``parse_geometry`` / ``bbox_geometry``: WKT (``POINT``, ``POLYGON``, ``MULTIPOLYGON``, their
   ``MULTI``/``Z`` forms, optional EWKT ``SRID=...;`` prefix) or GeoJSON (geometry, Feature or
   FeatureCollection) to a list of GeoJSON geometry dicts; a bbox becomes a polygon whose edges
   are densified, so that it stays the same area after reprojection (a straight edge in one CRS
   is curved in another).
2. ``to_raster_crs``: ``rasterio.warp.transform_geom`` into the raster's CRS. The region's CRS
   defaults to the raster's; a raster without a georeference takes regions in pixel coordinates
   as QGIS shows such an image (x = column, y = -row).
3. ``select_tiles``: which tiles of the model's tile grid (laid from the raster's top-left pixel,
   the grid the archive uses, ``rasters.TileGrid``) make up the query. Each tile is sampled on a
   ``SUBSAMPLES`` x ``SUBSAMPLES`` lattice and the share of its in-raster part covered by the
   region is measured. Tiles covered at least ``MIN_COVER`` take part; when none is (a region
   smaller than a quarter tile, or a thin one) the tiles with at least half of the best coverage
   do, so a small region still gives the tile(s) it mostly lies in. Points give the tile that
   contains them. Because the grid is the archive's, a region on an archived raster maps to
   exactly the archived tiles, which makes self-exclusion exact.

Regions that are empty or miss the raster raise ``InputError`` naming the raster and its extent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scicbir.errors import InputError

SUBSAMPLES = 8
MIN_COVER = 0.25
_BBOX_DENSIFY = 21

Geometry = dict[str, Any]


@dataclass(frozen=True)
class GridTile:
    """One tile of the model grid over a raster, chosen for a query."""

    col: int  # top-left pixel
    row: int
    size: int
    valid_width: int
    valid_height: int
    cover: float  # share of the tile's in-raster area inside the region (1.0 for whole tiles)


# ---------------------------------------------------------------------------------- parsing


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _wkt_coords(text: str) -> list[list[float]]:
    points = []
    for chunk in text.split(","):
        nums = re.findall(_NUM, chunk)
        if len(nums) < 2:
            raise ValueError(f"bad coordinate {chunk.strip()!r}")
        points.append([float(nums[0]), float(nums[1])])  # Z/M values are dropped
    return points


def _split_groups(body: str) -> list[str]:
    """Top-level parenthesised groups of ``body``: ``(a),(b)`` -> ``["a", "b"]``."""
    groups, depth, start = [], 0, None
    for i, ch in enumerate(body):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced parentheses")
            if depth == 0:
                groups.append(body[start:i])
    if depth != 0:
        raise ValueError("unbalanced parentheses")
    return groups


def _parse_wkt(text: str) -> tuple[list[Geometry], int | None]:
    srid = None
    match = re.match(r"\s*SRID\s*=\s*(\d+)\s*;(.*)$", text, re.S | re.I)
    if match:
        srid, text = int(match.group(1)), match.group(2)
    match = re.match(r"\s*([A-Za-z]+)\s*(?:ZM|Z|M)?\s*(.*)$", text, re.S)
    if not match:
        raise ValueError("no geometry type")
    kind, body = match.group(1).upper(), match.group(2).strip()
    if body.upper() == "EMPTY":
        return [], srid
    if not (body.startswith("(") and body.endswith(")")):
        raise ValueError("coordinates must be in parentheses")
    inner = _split_groups(body)
    if len(inner) != 1:
        raise ValueError("unbalanced parentheses")
    inner_text = inner[0]
    if kind == "POINT":
        return [{"type": "Point", "coordinates": _wkt_coords(inner_text)[0]}], srid
    if kind == "MULTIPOINT":
        parts = _split_groups(inner_text) or inner_text.split(",")
        coords = [_wkt_coords(p)[0] for p in parts]
        return [{"type": "MultiPoint", "coordinates": coords}], srid
    if kind == "POLYGON":
        rings = [_wkt_coords(r) for r in _split_groups(inner_text)]
        return [{"type": "Polygon", "coordinates": rings}], srid
    if kind == "MULTIPOLYGON":
        polys = [[_wkt_coords(r) for r in _split_groups(p)] for p in _split_groups(inner_text)]
        return [{"type": "MultiPolygon", "coordinates": polys}], srid
    raise ValueError(f"{kind} is not a region type (POLYGON, MULTIPOLYGON, POINT)")


def _geojson_geometries(obj: Any) -> list[Geometry]:
    if not isinstance(obj, dict) or "type" not in obj:
        raise ValueError("not a GeoJSON object")
    kind = obj["type"]
    if kind == "FeatureCollection":
        return [g for f in obj.get("features", []) for g in _geojson_geometries(f)]
    if kind == "Feature":
        return _geojson_geometries(obj["geometry"]) if obj.get("geometry") else []
    if kind == "GeometryCollection":
        return [g for sub in obj.get("geometries", []) for g in _geojson_geometries(sub)]
    if kind in ("Point", "MultiPoint", "Polygon", "MultiPolygon"):
        return [{"type": kind, "coordinates": obj["coordinates"]}]
    raise ValueError(f"{kind} is not a region type (Polygon, MultiPolygon, Point)")


def parse_geometry(text: str | dict[str, Any]) -> tuple[list[Geometry], int | None]:
    """WKT/EWKT or GeoJSON (text or dict) to ``(geometries, srid)``; srid only from EWKT."""
    try:
        if isinstance(text, dict):
            return _geojson_geometries(text), None
        stripped = text.strip()
        if stripped.startswith("{"):
            return _geojson_geometries(json.loads(stripped)), None
        return _parse_wkt(stripped)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        shown = text if isinstance(text, str) else json.dumps(text)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise InputError(
            f"cannot read the region {shown!r}: {exc}; give WKT such as "
            "'POLYGON ((x1 y1, x2 y1, x2 y2, x1 y2, x1 y1))' or a GeoJSON geometry",
            region=shown,
        ) from exc


def bbox_geometry(minx: float, miny: float, maxx: float, maxy: float) -> list[Geometry]:
    """A bbox as one polygon with densified edges; an empty bbox raises ``InputError``."""
    if not (minx < maxx and miny < maxy):
        raise InputError(
            f"the bbox ({minx}, {miny}, {maxx}, {maxy}) is empty: give MINX MINY MAXX MAXY with "
            "MINX < MAXX and MINY < MAXY",
            bbox=[minx, miny, maxx, maxy],
        )
    t = np.linspace(0.0, 1.0, _BBOX_DENSIFY)
    xs = minx + (maxx - minx) * t
    ys = miny + (maxy - miny) * t
    ring = (
        [[float(x), miny] for x in xs]
        + [[maxx, float(y)] for y in ys[1:]]
        + [[float(x), maxy] for x in xs[::-1][1:]]
        + [[minx, float(y)] for y in ys[::-1][1:]]
    )
    return [{"type": "Polygon", "coordinates": [ring]}]


# ------------------------------------------------------------------------------- reprojecting


def to_raster_crs(
    geometries: Sequence[Geometry], region_crs: Any, raster_crs: Any, raster_name: str
) -> list[Geometry]:
    """Reproject ``geometries`` from ``region_crs`` (None = the raster's) to ``raster_crs``."""
    from rasterio.crs import CRS
    from rasterio.errors import CRSError
    from rasterio.warp import transform_geom

    if region_crs is None or region_crs == "":
        return [dict(g) for g in geometries]
    try:
        src = CRS.from_user_input(region_crs)
    except CRSError as exc:
        raise InputError(
            f"unknown CRS {region_crs!r} ({exc}); give an EPSG code such as EPSG:4326, "
            "a PROJ string or WKT",
            crs=str(region_crs),
            reason="unknown_crs",
        ) from exc
    if raster_crs is None:
        raise InputError(
            f"{raster_name} has no georeference, so a region in {src.to_string()} cannot be "
            "placed on it; give the region in pixel coordinates (no --crs)",
            file=raster_name,
            reason="raster_not_georeferenced",
        )
    if src == raster_crs:
        return [dict(g) for g in geometries]
    return [transform_geom(src, raster_crs, g) for g in geometries]


# ------------------------------------------------------------------------------ tile choice


def _points(geometries: Sequence[Geometry]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for g in geometries:
        if g["type"] == "Point":
            pts.append((g["coordinates"][0], g["coordinates"][1]))
        elif g["type"] == "MultiPoint":
            pts.extend((c[0], c[1]) for c in g["coordinates"])
    return pts


def _all_xy(geometries: Sequence[Geometry]) -> np.ndarray:
    coords: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple) and node and isinstance(node[0], int | float):
            coords.append(node[:2])
        elif isinstance(node, list | tuple):
            for sub in node:
                walk(sub)

    for g in geometries:
        walk(g["coordinates"])
    return np.asarray(coords, dtype=np.float64).reshape(-1, 2)


def _outside_error(raster_name: str, extent: Sequence[float], region_crs: Any) -> InputError:
    where = f" (raster CRS; the region was given in {region_crs})" if region_crs else ""
    return InputError(
        f"the region does not overlap {raster_name}, whose extent is "
        f"{', '.join(f'{v:.10g}' for v in extent)}{where}; draw the region over the raster or "
        "check --crs",
        file=raster_name,
        extent=list(extent),
        reason="region_outside_raster",
    )


def select_tiles(
    geometries: Sequence[Geometry],
    transform: Any,
    width: int,
    height: int,
    tile_size: int,
    raster_name: str,
    region_crs: Any = None,
) -> list[GridTile]:
    """The grid tiles that make up the query (rules in the module docstring), row by row."""
    from rasterio.features import rasterize
    from rasterio.transform import array_bounds

    extent = array_bounds(height, width, transform)
    extent = (extent[0], extent[1], extent[2], extent[3])
    areas = [
        g
        for g in geometries
        if g["type"] in ("Polygon", "MultiPolygon") and _has_positive_area([g])
    ]
    points = _points(geometries)
    if not areas and not points:
        raise InputError(
            "the region is empty (no area); draw a polygon or give a bbox with MINX < MAXX and "
            "MINY < MAXY",
            file=raster_name,
        )
    cols = -(-width // tile_size)
    rows = -(-height // tile_size)

    def tile(c: int, r: int, cover: float) -> GridTile:
        col, row = c * tile_size, r * tile_size
        return GridTile(
            col, row, tile_size, min(tile_size, width - col), min(tile_size, height - row), cover
        )

    chosen: dict[tuple[int, int], float] = {}
    inverse = ~transform
    for x, y in points:
        px, py = inverse * (x, y)
        if 0 <= px < width and 0 <= py < height:
            chosen[(int(py // tile_size), int(px // tile_size))] = 1.0

    if areas:
        pix = np.array([inverse * tuple(p) for p in _all_xy(areas)])
        c0 = max(0, int(np.floor(pix[:, 0].min() / tile_size)))
        c1 = min(cols, int(np.floor(pix[:, 0].max() / tile_size)) + 1)
        r0 = max(0, int(np.floor(pix[:, 1].min() / tile_size)))
        r1 = min(rows, int(np.floor(pix[:, 1].max() / tile_size)) + 1)
        if c0 < c1 and r0 < r1:
            from affine import Affine

            s = SUBSAMPLES
            sub = transform * Affine.translation(c0 * tile_size, r0 * tile_size)
            sub = sub * Affine.scale(tile_size / s)
            shape = ((r1 - r0) * s, (c1 - c0) * s)
            inside = rasterize(
                [(g, 1) for g in areas], out_shape=shape, transform=sub, fill=0, dtype="uint8"
            ).astype(bool)
            # sub-cells whose centre lies inside the raster
            cx = (np.arange(shape[1]) + 0.5) * tile_size / s + c0 * tile_size
            cy = (np.arange(shape[0]) + 0.5) * tile_size / s + r0 * tile_size
            valid = (cy[:, None] < height) & (cx[None, :] < width)
            blocks = (r1 - r0, s, c1 - c0, s)
            covered = (inside & valid).reshape(blocks).sum(axis=(1, 3))
            total = np.maximum(valid.reshape(blocks).sum(axis=(1, 3)), 1)
            cover = covered / total
            if cover.max() > 0:
                threshold = MIN_COVER if cover.max() >= MIN_COVER else cover.max() / 2
                for i, j in zip(*np.nonzero(cover >= threshold), strict=True):
                    key = (r0 + int(i), c0 + int(j))
                    chosen[key] = max(chosen.get(key, 0.0), float(cover[i, j]))

    if not chosen:
        raise _outside_error(raster_name, extent, region_crs)
    return [tile(c, r, cover) for (r, c), cover in sorted(chosen.items())]


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    xy = np.asarray([p[:2] for p in ring], dtype=np.float64)
    if len(xy) < 3:
        return 0.0
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _has_positive_area(polygons: Sequence[Geometry]) -> bool:
    for g in polygons:
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        for poly in polys:
            if poly and _ring_area(poly[0]) > 0:
                return True
    return False
