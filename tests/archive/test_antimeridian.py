"""A raster straddling the antimeridian (UTM zone 60 north, across 180 degrees east).

Reprojected footprints come back with longitudes in [-180, 180]; a tile crossing 180 degrees
must still be one small polygon (longitudes unwrapped past 180), not a band around the globe,
in the catalog QGIS draws and in what a region query in EPSG:4326 selects.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from scicbir.archive import Archive
from scicbir.archive.compress import CompressOptions, compress_folder
from scicbir.rasters import RasterSource, TileGrid, footprints_wgs84
from scicbir.rasters.footprint import unwrap_longitudes

#: 192 x 192 pixels of 100 m from northing 110 km. 180 degrees lies at easting ~833.9 km in
#: zone 60 (through the tile column 64-127 from easting 825 km) and ~166.1 km in zone 1
#: (through the column 0-63 from easting 160 km).
NORTHING = 110_000.0
PIXEL = 100.0
SIZE = 192


def _utm_raster(data_dir, path, zone: int = 60, easting: float = 825_000.0):
    """Real RGB pixels (uint8) placed in UTM ``zone`` north across the antimeridian."""
    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        pixels = ds.read(window=((0, SIZE), (0, SIZE)))
        descriptions = ds.descriptions
        colorinterp = ds.colorinterp
    profile = dict(
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=3,
        dtype="uint8",
        crs=f"EPSG:{32600 + zone}",
        transform=Affine(PIXEL, 0, easting, 0, -PIXEL, NORTHING),
    )
    with rasterio.open(path, "w", **profile) as out:
        out.write(pixels)
        out.colorinterp = colorinterp
        for k, name in enumerate(descriptions, start=1):
            if name:
                out.set_band_description(k, name)
    return path


def _lon_span(ring):
    xs = [x for x, _ in ring]
    return min(xs), max(xs)


def test_unwrap_longitudes_keeps_rings_that_do_not_cross():
    ring = np.array([10.0, 11.0, 11.0, 10.0, 10.0])
    assert unwrap_longitudes(ring).tolist() == ring.tolist()
    crossing = np.array([179.5, -179.7, -179.7, 179.5, 179.5])
    assert unwrap_longitudes(crossing).tolist() == pytest.approx(
        [179.5, 180.3, 180.3, 179.5, 179.5]
    )
    mostly_east = np.array([179.9, -179.1, -179.1, 179.9, 179.9])  # middle past 180: west of -180
    assert unwrap_longitudes(mostly_east).tolist() == pytest.approx(
        [-180.1, -179.1, -179.1, -180.1, -180.1]
    )
    assert unwrap_longitudes(mostly_east, centre=177).tolist() == pytest.approx(
        [179.9, 180.9, 180.9, 179.9, 179.9]
    )
    # a tile wholly east of the line, of a raster centred west of it, joins its neighbours
    assert unwrap_longitudes(np.array([-179.9, -179.8]), centre=177).tolist() == pytest.approx(
        [180.1, 180.2]
    )


@pytest.mark.parametrize(
    ("zone", "easting", "crossing_col"), [(60, 825_000.0, 64), (1, 160_000.0, 0)]
)
def test_footprints_across_180_degrees_are_small_polygons(
    data_dir, tmp_path, zone, easting, crossing_col
):
    path = _utm_raster(data_dir, tmp_path / f"utm{zone}.tif", zone, easting)
    with RasterSource(path) as source:
        windows = list(TileGrid(source.width, source.height, 64))
        rings = footprints_wgs84(source.transform, source.crs, windows)
    assert len(rings) == 9
    spans = [_lon_span(ring) for ring in rings]
    # 64 px of 100 m are ~0.058 degrees near the equator: never a 360-degree band
    assert all(east - west < 0.1 for west, east in spans), spans
    line = 180.0 if zone == 60 else -180.0  # the side of the zone's own meridian
    crossing = [w.col for w, (west, east) in zip(windows, spans, strict=True) if west < line < east]
    assert crossing == [crossing_col] * 3
    # all tiles of the raster side by side: within 0.3 degrees of the line, none on the far side
    assert all(abs(west - line) < 0.3 and abs(east - line) < 0.3 for west, east in spans)
    assert all(ring[0] == ring[-1] for ring in rings)


def test_compressed_archive_and_region_query_across_180_degrees(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    raster = _utm_raster(data_dir, src / "utm60.tif")
    folder = tmp_path / "archive"
    summary = compress_folder(
        src, folder, str(tiny_rgb_model.path), options=CompressOptions(psnr=False)
    )
    assert summary.ok and summary.tiles == 9
    with Archive.open(folder, read_only=True) as archive:
        tiles = {(t.col, t.row): t for t in archive.tiles()}
        extent = archive.catalog.conn.execute(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'tiles'"
        ).fetchone()
    spans = {key: _lon_span(t.footprint) for key, t in tiles.items()}
    assert all(east - west < 0.1 for west, east in spans.values()), spans
    west, east = spans[(64, 64)]
    assert west < 180 < east
    # the layer's extent (what QGIS zooms to) is the raster's, not the whole world
    assert extent[2] - extent[0] < 0.3 and extent[0] > 179 and extent[2] < 181

    from scicbir.search.query import Searcher

    ys = [y for _, y in tiles[(64, 64)].footprint]
    inset = (east - west) / 4
    bbox = [west + inset, min(ys) + inset, east - inset, max(ys) - inset]  # crosses 180
    result = Searcher(folder).search_region(
        raster, bbox=bbox, crs="EPSG:4326", k=3, exclude_self=False
    )
    assert [(q.col, q.row) for q in result.query_tiles] == [(64, 64)]
    assert result.hits[0].tile_id == tiles[(64, 64)].id and result.hits[0].distance == 0
    query_west, query_east = _lon_span(result.query_tiles[0].footprint)
    assert query_west < 180 < query_east
