"""Results other tools can read: the query travels with the results (GeoPackage metadata,
GeoJSON), and decoded tiles are Cloud Optimized GeoTIFFs that name their model and bpp."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import rasterio

from scicbir.archive import Archive
from scicbir.errors import InputError
from scicbir.search.api import search


def _bbox(path, col0, row0, col1, row1, inset=5.0):
    with rasterio.open(path) as ds:
        (x0, y0), (x1, y1) = ds.transform * (col0, row0), ds.transform * (col1, row1)
    return [min(x0, x1) + inset, min(y0, y1) + inset, max(x0, x1) - inset, max(y0, y1) - inset]


def _model(archive_dir):
    with Archive.open(archive_dir, read_only=True) as archive:
        return archive.model


def test_results_geopackage_carries_the_query_in_its_metadata(search_archive, tmp_path):
    from osgeo import gdal

    landsat = search_archive["landsat"]
    bbox = _bbox(landsat, 64, 64, 192, 128)
    out = tmp_path / "results.gpkg"
    before = datetime.now(UTC).replace(microsecond=0)
    result = search(search_archive["archive"], raster=landsat, bbox=bbox, k=5, out=out)
    model = _model(search_archive["archive"])

    # GDAL (so QGIS and ogrinfo) reads the query as the dataset's and the layer's metadata
    ds = gdal.OpenEx(str(out), gdal.OF_VECTOR)
    items = ds.GetMetadata()
    layer_items = ds.GetLayerByName("results").GetMetadata()
    assert ds.GetLayerByName("results").GetFeatureCount() == 5
    ds = None
    assert items["SCICBIR_KIND"] == "region"
    assert items["SCICBIR_RASTER"] == str(landsat)
    assert items["SCICBIR_ARCHIVE"] == str(search_archive["archive"])
    assert items["SCICBIR_MODEL_ID"] == model.model_id
    assert items["SCICBIR_MODEL_CHECKSUM"] == model.checksum
    assert items["SCICBIR_K"] == "5" and items["SCICBIR_BITS"] == str(result.bits)
    assert items["SCICBIR_REGION_WKT"].startswith("POLYGON ((")
    assert "SCICBIR_REGION_CRS" not in items  # the bbox was in the raster's own CRS
    searched = datetime.strptime(items["SCICBIR_SEARCHED_UTC"], "%Y-%m-%dT%H:%M:%SZ")
    assert before <= searched.replace(tzinfo=UTC) <= datetime.now(UTC) + timedelta(seconds=1)
    assert layer_items["SCICBIR_MODEL_CHECKSUM"] == model.checksum

    # the region round-trips: its corners are the bbox given
    from osgeo import ogr

    region = ogr.CreateGeometryFromWkt(items["SCICBIR_REGION_WKT"])
    assert region.GetEnvelope() == pytest.approx((bbox[0], bbox[2], bbox[1], bbox[3]))

    # and the same record as JSON for scripts that read the metadata table directly
    with sqlite3.connect(out) as conn:
        documents = conn.execute(
            "SELECT md_standard_uri, mime_type, metadata FROM gpkg_metadata"
        ).fetchall()
        extensions = {r[0] for r in conn.execute("SELECT extension_name FROM gpkg_extensions")}
    assert "gpkg_metadata" in extensions
    record = next(json.loads(m) for uri, mime, m in documents if mime == "application/json")
    assert record["model_checksum"] == model.checksum and record["tile_id"] is None


def test_cli_writes_geojson_results_other_tools_open(search_archive, tmp_path, capsys):
    from osgeo import ogr

    from scicbir.cli import main

    landsat = str(search_archive["landsat"])
    out = tmp_path / "results.geojson"
    with rasterio.open(landsat) as ds:
        crs = ds.crs.to_string()
    args = ["search", "--archive", str(search_archive["archive"]), "--raster", landsat]
    args += ["--bbox", *map(str, _bbox(landsat, 0, 0, 128, 64)), "--crs", crs, "-k", "6"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)

    collection = json.loads(out.read_text())
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["tile_id"] for f in features] == [
        r["tile_id"] for r in answer["results"]
    ]
    assert [f["properties"]["rank"] for f in features] == list(range(1, 7))
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        area = sum(
            x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:], strict=True)
        )
        assert area > 0  # RFC 7946: exterior rings counterclockwise
        lon, lat = zip(*ring, strict=True)
        assert -55 < min(lon) < max(lon) < -54 and -26 < min(lat) < max(lat) < -25
    query = collection["query"]
    assert query["kind"] == "region" and query["region_crs"] == crs
    assert query["model_checksum"] == _model(search_archive["archive"]).checksum
    assert len(collection["query_tiles"]) == 2

    ds = ogr.Open(str(out))  # GDAL's GeoJSON driver reads it as a plain layer
    assert ds.GetLayer(0).GetFeatureCount() == 6
    assert ds.GetLayer(0).GetSpatialRef().GetAuthorityCode(None) == "4326"


def test_a_results_name_no_writer_takes_is_refused_before_the_search(search_archive, tmp_path):
    landsat = search_archive["landsat"]
    with pytest.raises(InputError, match=r"results\.shp.*\.gpkg.*\.geojson"):
        search(
            search_archive["archive"],
            raster=landsat,
            bbox=_bbox(landsat, 0, 0, 64, 64),
            out=tmp_path / "results.shp",
        )
    assert not (tmp_path / "results.shp").exists()


def test_decoded_results_are_cogs_that_name_their_model_and_bpp(search_archive, tmp_path):
    from scicbir.archive.decode import decode_source

    landsat = search_archive["landsat"]
    result = search(
        search_archive["archive"],
        raster=landsat,
        bbox=_bbox(landsat, 0, 0, 64, 64),
        k=2,
        decode=tmp_path / "decoded",
    )
    with Archive.open(search_archive["archive"], read_only=True) as archive:
        model = archive.model
        for hit in result.hits:
            tile = archive.tile(hit.tile_id)
            with rasterio.open(hit.decoded) as ds:
                assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
                tags = ds.tags()
            assert tags["SCICBIR_MODEL"] == model.model_id
            assert tags["SCICBIR_MODEL_CHECKSUM"] == model.checksum
            assert float(tags["SCICBIR_BPP"]) == pytest.approx(tile.bpp, rel=1e-5)
            assert int(tags["SCICBIR_TILE_ID"]) == hit.tile_id
            assert tags["SCICBIR_SOURCE"] == tile.source_path
            assert tags["TIFFTAG_SOFTWARE"].startswith("scicbir ")
        whole = decode_source(archive, str(landsat), tmp_path / "whole.tif")
        tiles = list(archive.tiles_of_source(str(landsat)))
    with rasterio.open(whole) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        tags = ds.tags()
        pixels = ds.width * ds.height
    assert int(tags["SCICBIR_TILES"]) == len(tiles)
    assert int(tags["SCICBIR_STREAM_BITS"]) == sum(t.bits for t in tiles)
    assert float(tags["SCICBIR_BPP"]) == pytest.approx(sum(t.bits for t in tiles) / pixels)
