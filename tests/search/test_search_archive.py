"""Searching a real archive (Landsat 8 sample, tiny random RGB model): what a user relies on."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytest
import rasterio
from rasterio.warp import transform_bounds

from scicbir.archive import Archive
from scicbir.archive.gpkg import polygon_from_blob
from scicbir.errors import InputError
from scicbir.search.api import search


def _pixel_bbox(path, col0, row0, col1, row1, inset=0.0):
    """Map bbox (raster CRS) of the pixel rectangle [col0, col1) x [row0, row1), shrunk by inset."""
    with rasterio.open(path) as ds:
        (x0, y0), (x1, y1) = ds.transform * (col0, row0), ds.transform * (col1, row1)
    minx, maxx, miny, maxy = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    return [minx + inset, miny + inset, maxx - inset, maxy - inset]


def _tile_id(archive_dir, source, col, row):
    with Archive.open(archive_dir) as archive:
        return next(t.id for t in archive.tiles_of_source(source) if (t.col, t.row) == (col, row))


def test_tile_in_archive_is_rank_1_at_distance_0(search_archive, searcher):
    landsat = search_archive["landsat"]
    own = _tile_id(search_archive["archive"], str(landsat), 64, 128)
    bbox = _pixel_bbox(landsat, 64, 128, 128, 192, inset=30.0)  # inside one tile

    # read + hash the query tile (not the stored code): the same code as compress made
    kept = searcher.search_region(landsat, bbox=bbox, k=5, exclude_self=False, stored_codes=False)
    assert kept.backend in ("onnx", "torch")
    assert [(q.col, q.row) for q in kept.query_tiles] == [(64, 128)]
    first = kept.hits[0]
    assert (first.tile_id, first.distance, first.similarity) == (own, 0, 1.0)
    assert first.soft_distance == pytest.approx(0.0, abs=1e-5)
    assert (first.col, first.row, first.width, first.height) == (64, 128, 64, 64)
    assert kept.excluded == 0

    stored = searcher.search_region(landsat, bbox=bbox, k=5, exclude_self=False)
    assert stored.backend == "catalog"  # an archived raster needs no model to be queried
    assert [(h.tile_id, h.distance) for h in stored.hits] == [
        (h.tile_id, h.distance) for h in kept.hits
    ]

    dropped = searcher.search_region(landsat, bbox=bbox, k=5)  # self-exclusion is the default
    assert dropped.excluded == 1
    assert own not in [h.tile_id for h in dropped.hits]
    assert [h.tile_id for h in dropped.hits[:4]] == [h.tile_id for h in kept.hits[1:]]


def test_four_tile_region_in_another_crs(search_archive, searcher):
    landsat = search_archive["landsat"]
    with rasterio.open(landsat) as ds:
        crs = ds.crs
    wgs84 = transform_bounds(crs, "EPSG:4326", *_pixel_bbox(landsat, 64, 64, 192, 192, inset=60))
    result = searcher.search_region(landsat, bbox=wgs84, crs="EPSG:4326", k=7)

    assert sorted((q.col, q.row) for q in result.query_tiles) == [
        (64, 64),
        (64, 128),
        (128, 64),
        (128, 128),
    ]
    assert len(result.hits) == 7 and [h.rank for h in result.hits] == list(range(1, 8))
    distances = [h.distance for h in result.hits]
    assert distances == sorted(distances) and 0 <= distances[0] <= 32
    assert result.excluded == 4
    own = {(q.col, q.row) for q in result.query_tiles}
    assert not own & {(h.col, h.row) for h in result.hits}  # the drawn tiles are not answers
    assert all(h.footprint and len(h.footprint) >= 5 for h in result.hits)

    # the same region as a WKT polygon gives the same answer
    minx, miny, maxx, maxy = wgs84
    wkt = f"POLYGON (({minx} {miny}, {maxx} {miny}, {maxx} {maxy}, {minx} {maxy}, {minx} {miny}))"
    again = searcher.search_region(landsat, geometry=wkt, crs="EPSG:4326", k=7)
    assert [h.tile_id for h in again.hits] == [h.tile_id for h in result.hits]


def test_copy_of_an_archived_raster_is_recognised_by_content(search_archive, searcher, tmp_path):
    copy = tmp_path / "renamed.tif"
    shutil.copy(search_archive["landsat"], copy)
    result = searcher.search_region(copy, bbox=_pixel_bbox(copy, 0, 0, 128, 64), k=3)
    assert result.excluded == 2 and result.backend == "catalog"
    assert {(h.col, h.row) for h in result.hits}.isdisjoint({(0, 0), (64, 0)})


def test_tile_query_and_whole_raster_query(search_archive, searcher, tmp_path):
    archive_dir = search_archive["archive"]
    tile = _tile_id(archive_dir, str(search_archive["landsat"]), 192, 256)
    itself = searcher.search_tile(tile, k=3, exclude_self=False)
    assert (itself.hits[0].tile_id, itself.hits[0].distance) == (tile, 0)
    assert tile not in [h.tile_id for h in searcher.search_tile(tile, k=3).hits]

    crop = tmp_path / "neon_crop.tif"  # a raster the archive does not hold: 2 x 2 tiles
    with rasterio.open(search_archive["neon"]) as src:
        window = ((100, 228), (100, 228))
        profile = dict(src.profile, width=128, height=128, transform=src.window_transform(window))
        with rasterio.open(crop, "w", **profile) as dst:
            dst.write(src.read(window=window))
    outside = searcher.search_raster(crop, k=4)
    assert len(outside.query_tiles) == 4 and outside.excluded == 0
    assert len(outside.hits) == 4 and outside.backend in ("onnx", "torch")
    whole = searcher.search_raster(search_archive["landsat"], k=4)
    assert whole.excluded == 36 and whole.hits == []  # every tile is the query's own


def test_results_geopackage_and_decoded_geotiffs(search_archive, tmp_path):
    landsat = search_archive["landsat"]
    out = tmp_path / "results.gpkg"
    result = search(
        search_archive["archive"],
        raster=landsat,
        bbox=_pixel_bbox(landsat, 0, 0, 64, 64, inset=10),
        k=3,
        out=out,
        decode=tmp_path / "decoded",
    )
    assert "decode_ms" in result.timings_ms

    conn = sqlite3.connect(out)
    rows = conn.execute(
        "SELECT rank, tile_id, distance, similarity, geom, decoded, col, row"
        " FROM results ORDER BY rank"
    ).fetchall()
    kinds = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    query = conn.execute("SELECT col, row, geom FROM query").fetchall()
    conn.close()
    assert kinds == {"results": "features", "query": "features"}
    assert [r[:4] for r in rows] == [
        (h.rank, h.tile_id, h.distance, h.similarity) for h in result.hits
    ]
    assert [(c, r) for c, r, _ in query] == [(0, 0)]
    lon, lat = zip(*polygon_from_blob(rows[0][4]), strict=True)
    assert -55 < min(lon) < max(lon) < -54 and -26 < min(lat) < max(lat) < -25  # Parana, BR

    with rasterio.open(landsat) as src:
        for rank, tile_id, *_rest, decoded, col, row in rows:
            assert decoded.endswith(f"rank_0{rank}_tile_{tile_id}.tif")
            with rasterio.open(decoded) as tif:
                assert tif.crs == src.crs and tif.count == 3 and tif.dtypes[0] == "uint16"
                assert tif.transform == src.window_transform(((row, row + 64), (col, col + 64)))


def test_cli_search_json_and_text(search_archive, capsys):
    from scicbir.cli import main

    landsat = str(search_archive["landsat"])
    bbox = [str(v) for v in _pixel_bbox(landsat, 128, 128, 256, 256, inset=5)]
    assert (
        main(
            [
                "search",
                "--archive",
                str(search_archive["archive"]),
                "--raster",
                landsat,
                "--bbox",
                *bbox,
                "-k",
                "4",
                "--json",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["query_tiles"]) == 4 and len(payload["results"]) == 4
    assert set(payload["results"][0]) >= {
        "rank",
        "tile_id",
        "distance",
        "similarity",
        "source",
        "window",
        "footprint",
    }

    assert (
        main(
            [
                "search",
                "--archive",
                str(search_archive["archive"]),
                "--raster",
                landsat,
                "--bbox",
                "0",
                "0",
                "1",
                "1",
                "-k",
                "4",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "does not overlap" in err and landsat in err


def test_clear_errors(search_archive, searcher, tmp_path):
    landsat = search_archive["landsat"]
    with pytest.raises(InputError, match="empty"):
        searcher.search_region(landsat, bbox=[750000, -2800000, 750000, -2799000])
    with pytest.raises(InputError, match="empty"):
        searcher.search_region(landsat, geometry="POLYGON EMPTY")
    with pytest.raises(InputError, match="does not overlap .*landsat8_224078_crop.tif"):
        searcher.search_region(landsat, bbox=[10.0, 50.0, 10.1, 50.1], crs="EPSG:4326")

    two_bands = tmp_path / "two_bands.tif"
    with rasterio.open(landsat) as src:
        profile = dict(src.profile, count=2)
        data = src.read([1, 2])
    with rasterio.open(two_bands, "w", **profile) as dst:
        dst.write(data)
    with pytest.raises(InputError, match="two_bands.tif.*bands") as info:
        searcher.search_raster(two_bands)
    assert "--bands" in str(info.value)

    with pytest.raises(InputError, match="no_such_archive.*compress"):
        search(tmp_path / "no_such_archive", raster=landsat, bbox=[0, 0, 1, 1])
    with pytest.raises(InputError, match="unknown CRS"):
        searcher.search_region(landsat, bbox=[0, 0, 1, 1], crs="EPSG:999999")
    with pytest.raises(InputError, match="no tile 999999"):
        searcher.search_tile(999999)


def test_nodata_only_region_is_refused(search_archive, searcher, tmp_path):
    landsat = search_archive["landsat"]
    holed = tmp_path / "holed.tif"
    with rasterio.open(landsat) as src:
        profile = dict(src.profile, nodata=0)
        data = src.read()
    data[:, :64, :64] = 0
    with rasterio.open(holed, "w", **profile) as dst:
        dst.write(data)
    with pytest.raises(InputError, match="only nodata"):
        searcher.search_region(holed, bbox=_pixel_bbox(holed, 0, 0, 64, 64, inset=5))
    assert np.all(data[:, 64:, 64:] > 0)  # the rest has data: a neighbouring region works
    assert searcher.search_region(holed, bbox=_pixel_bbox(holed, 64, 64, 128, 128), k=1).hits


def test_image_without_georeference_takes_pixel_regions(search_archive, searcher, tmp_path):
    photo = tmp_path / "photo.png"  # as QGIS shows it: x = column, y = -row
    with rasterio.open(search_archive["neon"]) as src:
        pixels = src.read(window=((0, 128), (0, 192)))
    with rasterio.open(photo, "w", driver="PNG", width=192, height=128, count=3,
                       dtype="uint8") as dst:  # fmt: skip
        dst.write(pixels)
    result = searcher.search_region(photo, bbox=[70, -120, 180, -70], k=2)
    assert [(q.col, q.row) for q in result.query_tiles] == [(64, 64), (128, 64)]
    assert all(q.footprint is None for q in result.query_tiles) and len(result.hits) == 2
    with pytest.raises(InputError, match="no georeference"):
        searcher.search_region(photo, bbox=[0, 0, 1, 1], crs="EPSG:4326")
