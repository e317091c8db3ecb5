"""Region handling: parsing, reprojection and the choice of model tiles (no model needed)."""

from __future__ import annotations

import pytest
import rasterio
from affine import Affine

from scicbir.errors import InputError
from scicbir.search.region import bbox_geometry, parse_geometry, select_tiles, to_raster_crs

# a 300 x 200 pixel raster, 10 m pixels, UTM 33N; 64 px tiles -> 5 x 4 grid, edge tiles partial
T = Affine(10.0, 0.0, 500000.0, 0.0, -10.0, 5000000.0)
W, H, TILE = 300, 200, 64


def _tiles(geoms, crs=None):
    geoms = to_raster_crs(geoms, crs, rasterio.crs.CRS.from_epsg(32633), "r.tif")
    return [(t.col, t.row) for t in select_tiles(geoms, T, W, H, TILE, "r.tif", crs)]


def _px_box(c0, r0, c1, r1):
    (x0, y0), (x1, y1) = T * (c0, r0), T * (c1, r1)
    return bbox_geometry(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def test_parse_wkt_and_geojson_forms():
    poly, srid = parse_geometry("SRID=4326;POLYGON Z ((0 0 1, 2 0 1, 2 2 1, 0 0 1))")
    assert srid == 4326 and poly[0]["type"] == "Polygon"
    assert poly[0]["coordinates"][0][1] == [2.0, 0.0]  # Z dropped
    multi, _ = parse_geometry("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))")
    assert len(multi[0]["coordinates"]) == 2
    assert (
        parse_geometry("MULTIPOINT (1 2, 3 4)")[0] == parse_geometry("MULTIPOINT ((1 2), (3 4))")[0]
    )
    feature = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
        ' "geometry": {"type": "Point", "coordinates": [1, 2]}}]}'
    )
    assert parse_geometry(feature)[0] == [{"type": "Point", "coordinates": [1, 2]}]
    for bad in ("LINESTRING (0 0, 1 1)", "POLYGON ((0 0, 1 0", "{not json", "hello"):
        with pytest.raises(InputError, match="cannot read the region"):
            parse_geometry(bad)


def test_region_maps_to_the_tiles_it_covers():
    assert _tiles(_px_box(64, 64, 192, 192)) == [(64, 64), (128, 64), (64, 128), (128, 128)]
    # spilling 10 px into the neighbours does not add them (under a quarter of a tile)
    assert _tiles(_px_box(54, 0, 202, 128)) == [(64, 0), (128, 0), (64, 64), (128, 64)]
    # ... but a bottom-edge tile (8 px tall here) that the region covers whole takes part
    assert _tiles(_px_box(64, 150, 128, 200)) == [(64, 128), (64, 192)]
    # a small region straddling four tiles gives the ones it mostly lies in
    assert _tiles(_px_box(120, 120, 140, 130)) == [(64, 64), (128, 64)]
    # edge tiles are measured on their part inside the raster (40 px wide here)
    assert _tiles(_px_box(260, 0, 300, 64)) == [(256, 0)]
    # a point gives the tile containing it
    x, y = T * (10, 150)
    assert _tiles(parse_geometry(f"POINT ({x} {y})")[0]) == [(0, 128)]


def test_region_in_another_crs_is_reprojected():
    from rasterio.warp import transform_bounds

    (x0, y0), (x1, y1) = T * (64, 192), T * (192, 64)
    lonlat = transform_bounds("EPSG:32633", "EPSG:4326", x0 + 50, y0 + 50, x1 - 50, y1 - 50)
    assert _tiles(bbox_geometry(*lonlat), "EPSG:4326") == [
        (64, 64),
        (128, 64),
        (64, 128),
        (128, 128),
    ]


def test_bad_regions_are_refused_with_the_reason():
    with pytest.raises(InputError, match="bbox .* is empty"):
        bbox_geometry(3, 1, 2, 4)
    with pytest.raises(InputError, match="region is empty"):
        _tiles(parse_geometry("POLYGON ((1 1, 2 2, 3 3, 1 1))")[0])  # no area
    with pytest.raises(InputError, match="does not overlap r.tif.*500000"):
        _tiles(_px_box(400, 0, 500, 50))
    with pytest.raises(InputError, match="unknown CRS"):
        _tiles(_px_box(0, 0, 10, 10), "EPSG:0")
    with pytest.raises(InputError, match="no georeference"):
        to_raster_crs(_px_box(0, 0, 10, 10), "EPSG:4326", None, "photo.jpg")
