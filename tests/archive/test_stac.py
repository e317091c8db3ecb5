"""STAC export of a real archive (the committed samples, tiny model): pystac reads it, every object
passes the bundled schemas offline (and a broken one fails them), geometry and grid match the
source rasters as rasterio reads them, a second export changes only what changed, and bad input
is refused naming the file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import rasterio
from rasterio.warp import transform_bounds

from scicbir.errors import ArchiveDamagedError, InputError
from scicbir.stac.export import run_stac_export
from scicbir.stac.requests import StacExportRequest
from scicbir.stac.validate import stac_problems, validate_stac_file

from .conftest import EXPECTED_TILES, crop

BEN = "S2A_MSIL2A_20170613T101031_87_48"


@pytest.fixture(scope="module")
def exported(rgb_archive, tmp_path_factory):
    folder, _ = rgb_archive
    out = tmp_path_factory.mktemp("stac") / "catalog"
    answer = run_stac_export(StacExportRequest(str(folder), str(out)))
    return folder, out, answer


def _items(out: Path) -> dict[str, dict]:
    """Item JSON by source file name."""
    items = {}
    for path in out.glob("*/*.json"):
        data = json.loads(path.read_text())
        items[Path(data["properties"]["scicbir:source_path"]).name] = data
    return items


def _grid_file(source_path: str) -> Path:
    """The raster whose grid the catalog records: the file, or a patch's 10 m band."""
    path = Path(source_path)
    return path / f"{path.name}_B02.tif" if path.is_dir() else path


def test_pystac_reads_the_collection_and_one_item_per_source(exported):
    import pystac

    folder, out, answer = exported
    assert answer.items == 3 and len(answer.added) == 3 and answer.collection_changed
    collection = pystac.Collection.from_file(str(out / "collection.json"))
    items = list(collection.get_items())
    assert len(items) == 3
    names = {Path(i.properties["scicbir:source_path"]).name: i for i in items}
    assert set(names) == {"landsat.tif", "rmnp.tif", BEN}
    for name, item in names.items():
        assert item.properties["scicbir:tiles"] == EXPECTED_TILES[name]
        assert item.get_collection().id == collection.id
        for asset in item.assets.values():
            assert not os.path.isabs(asset.href)  # the archive is reachable relatively
            assert Path(asset.get_absolute_href()).is_file()
        assert set(item.assets) == {"catalog", "pack-000001"}
    west, south, east, north = collection.extent.spatial.bboxes[0]
    for item in items:
        assert west <= item.bbox[0] and south <= item.bbox[1]
        assert item.bbox[2] <= east and item.bbox[3] <= north
    start, end = collection.extent.temporal.intervals[0]
    assert start == min(i.datetime for i in items) and end == max(i.datetime for i in items)
    assert collection.extra_fields["scicbir:archive"] == str(folder.resolve())
    assert collection.license == "other"


def test_every_object_passes_the_bundled_schemas_without_network(exported, monkeypatch):
    _, out, answer = exported

    def no_network(*args, **kwargs):
        raise AssertionError("validation tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    files = sorted(out.rglob("*.json"))
    assert len(files) == 4 == answer.validated
    for path in files:
        assert validate_stac_file(path) == [], path


@pytest.mark.parametrize(
    "break_it, field",
    [
        (lambda d: d["properties"].__setitem__("proj:shape", "120x120"), "proj:shape"),
        (lambda d: d["properties"].__setitem__("proj:code", 32633), "proj:code"),
        (
            lambda d: d["assets"]["pack-000001"]["eo:bands"][0].update(common_name="infrared"),
            "eo:bands",
        ),
        (lambda d: d["properties"].pop("datetime"), "datetime"),
        (lambda d: d.__setitem__("bbox", [1, 2]), "bbox"),
        (lambda d: d["geometry"].__setitem__("type", "Circle"), "geometry"),
    ],
)
def test_a_broken_item_fails_the_bundled_schemas(exported, break_it, field):
    _, out, _ = exported
    data = _items(out)["landsat.tif"]
    assert stac_problems(data) == []
    break_it(data)
    problems = stac_problems(data)
    assert problems and any(field in p for p in problems), problems


def test_geometry_bbox_and_proj_fields_match_the_source_rasters(exported):
    for name, item in _items(exported[1]).items():
        props = item["properties"]
        with rasterio.open(_grid_file(props["scicbir:source_path"])) as ds:
            assert props["proj:code"] == f"EPSG:{ds.crs.to_epsg()}", name
            assert props["proj:shape"] == [ds.height, ds.width]
            assert props["proj:transform"] == pytest.approx(list(ds.transform)[:6])
            assert props["proj:bbox"] == pytest.approx(list(ds.bounds))
            expected = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
        assert item["bbox"] == pytest.approx(list(expected), abs=1e-6), name
        ring = item["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) > 5
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        assert [min(xs), min(ys), max(xs), max(ys)] == item["bbox"]


def test_datetime_says_where_it_came_from(exported, rgb_archive):
    items = _items(exported[1])
    ben = items[BEN]["properties"]
    assert ben["datetime"] == "2017-06-13T10:10:31Z"
    assert ben["scicbir:datetime_from"] == f"{BEN}_labels_metadata.json:acquisition_date"
    from datetime import UTC, datetime

    from scicbir.archive.store import Archive

    with Archive.open(rgb_archive[0], read_only=True) as archive:
        mtime = {Path(s["path"]).name: s["mtime"] for s in archive.sources()}
    rmnp = items["rmnp.tif"]["properties"]
    assert rmnp["scicbir:datetime_from"] == "file_mtime"
    stamp = datetime.fromisoformat(rmnp["datetime"].replace("Z", "+00:00"))
    assert stamp == datetime.fromtimestamp(mtime["rmnp.tif"], tz=UTC)


def test_scicbir_fields_repeat_the_catalog(exported, rgb_archive):
    from scicbir.archive.info import archive_info

    info = archive_info(rgb_archive[0])
    collection = json.loads((exported[1] / "collection.json").read_text())
    assert collection["scicbir:model_id"] == info["model"]["model_id"]
    assert collection["scicbir:model_checksum"] == info["model"]["checksum"]
    assert collection["scicbir:hash_bits"] == info["model"]["hash_bits"] == 32
    assert collection["scicbir:tile_size"] == 64 and collection["scicbir:tiles"] == info["tiles"]
    assert collection["scicbir:bpp"] == pytest.approx(info["mean_bpp"])
    assert [b["name"] for b in collection["summaries"]["eo:bands"]] == ["red", "green", "blue"]
    assert [b["common_name"] for b in collection["summaries"]["eo:bands"]] == [
        "red", "green", "blue",
    ]  # fmt: skip
    landsat = _items(exported[1])["landsat.tif"]
    assert landsat["properties"]["scicbir:model_checksum"] == info["model"]["checksum"]
    assert "--source" in landsat["properties"]["scicbir:decode"]
    bands = landsat["assets"]["pack-000001"]["eo:bands"]
    assert [b["description"] for b in bands] == [
        "raster band 3 (Red (B4))", "raster band 2 (Green (B3))", "raster band 1 (Blue (B2))",
    ]  # fmt: skip


def test_the_export_reads_the_archive_only(rgb_archive, tmp_path):
    folder, _ = rgb_archive
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}
    run_stac_export(StacExportRequest(str(folder), str(tmp_path / "stac")))
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}
    keep = {p: v for p, v in after.items() if not p.name.endswith(("-wal", "-shm"))}
    assert keep == {p: v for p, v in before.items() if not p.name.endswith(("-wal", "-shm"))}


# ------------------------------------------------------------------ incremental update


def _dated_raster(data_dir: Path, target: Path) -> Path:
    """A 64 x 64 crop of the RGB sample that carries an acquisition time in its metadata."""
    crop(data_dir / "rgb" / "rmnp-rgb.tif", target, 64, 64)
    with rasterio.open(target, "r+") as ds:
        ds.update_tags(TIFFTAG_DATETIME="2019:07:14 16:30:05")
    return target


def test_a_second_export_adds_new_items_keeps_unchanged_files_and_drops_removed_ones(
    sample_folder, tiny_rgb_model, data_dir, tmp_path
):
    from scicbir.archive.catalog import Catalog
    from scicbir.archive.compress import compress_folder

    rasters = tmp_path / "rasters"
    rasters.mkdir()
    shutil.copy(sample_folder / "landsat.tif", rasters)
    archive, out = tmp_path / "archive", tmp_path / "stac"
    compress_folder(rasters, archive, str(tiny_rgb_model.path))
    first = run_stac_export(StacExportRequest(str(archive), str(out)))
    assert first.items == 1 and len(first.added) == 1
    landsat_id = first.added[0]
    landsat_file = out / landsat_id / f"{landsat_id}.json"
    before = (landsat_file.read_bytes(), landsat_file.stat().st_mtime_ns)
    old_collection = json.loads((out / "collection.json").read_text())

    _dated_raster(data_dir, rasters / "dated.tif")
    compress_folder(rasters, archive, str(tiny_rgb_model.path))
    second = run_stac_export(StacExportRequest(str(archive), str(out)))
    assert second.items == 2 and second.unchanged == 1 and second.updated == []
    assert len(second.added) == 1 and second.collection_changed
    assert (landsat_file.read_bytes(), landsat_file.stat().st_mtime_ns) == before
    dated = json.loads((out / second.added[0] / f"{second.added[0]}.json").read_text())
    assert dated["properties"]["datetime"] == "2019-07-14T16:30:05Z"
    assert dated["properties"]["scicbir:datetime_from"] == "TIFFTAG_DATETIME"
    collection = json.loads((out / "collection.json").read_text())
    assert collection["extent"]["temporal"]["interval"][0][0] == "2019-07-14T16:30:05Z"
    old_box, new_box = (
        old_collection["extent"]["spatial"]["bbox"][0],
        collection["extent"]["spatial"]["bbox"][0],
    )
    assert new_box[0] < old_box[0] and new_box[3] > old_box[3]  # grew to Colorado
    assert collection["scicbir:sources"] == 2

    catalog = Catalog(archive / "catalog.gpkg")
    try:
        catalog.remove_source(str((rasters / "landsat.tif").resolve()))
    finally:
        catalog.close()
    third = run_stac_export(StacExportRequest(str(archive), str(out)))
    assert third.removed == [landsat_id] and third.items == 1 and third.unchanged == 1
    assert not landsat_file.exists() and not landsat_file.parent.exists()
    links = [link["href"] for link in json.loads((out / "collection.json").read_text())["links"]]
    assert not any(landsat_id in href for href in links)

    fourth = run_stac_export(StacExportRequest(str(archive), str(out)))
    assert (fourth.added, fourth.updated, fourth.removed) == ([], [], [])
    assert not fourth.collection_changed and fourth.unchanged == 1


# ------------------------------------------------------------------ refusals


def test_cli_exports_and_refuses_a_folder_that_is_not_an_archive(exported, sample_folder, tmp_path):
    command = [sys.executable, "-m", "scicbir", "archive", "stac"]
    ok = subprocess.run(
        [*command, str(exported[0]), "-o", str(tmp_path / "cli"), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["items"] == 3
    bad = subprocess.run(
        [*command, str(sample_folder), "-o", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode == 1
    assert f"{sample_folder} is not a scicbir archive" in bad.stderr
    assert "scicbir compress" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists()


def test_a_damaged_catalog_is_named(rgb_archive, tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(rgb_archive[0], folder)
    catalog = folder / "catalog.gpkg"
    data = bytearray(catalog.read_bytes())
    data[:100] = b"\x00" * 100
    catalog.write_bytes(bytes(data))
    with pytest.raises(ArchiveDamagedError, match="catalog.gpkg"):
        run_stac_export(StacExportRequest(str(folder), str(tmp_path / "stac")))


def test_an_unwritable_output_folder_is_named(exported, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "stac").write_text("a file where the folder should be")
    with pytest.raises(InputError, match="cannot write the STAC catalog into") as err:
        run_stac_export(StacExportRequest(str(exported[0]), str(locked / "stac")))
    assert err.value.data["reason"] == "stac_out_not_writable"


def test_a_folder_holding_another_catalog_is_refused(exported, tmp_path):
    out = tmp_path / "other"
    out.mkdir()
    (out / "collection.json").write_text(json.dumps({"type": "Collection", "id": "x"}))
    with pytest.raises(InputError, match="not an export of a scicbir archive"):
        run_stac_export(StacExportRequest(str(exported[0]), str(out)))
    with pytest.raises(InputError, match="archive folder itself"):
        run_stac_export(StacExportRequest(str(exported[0]), str(exported[0])))


def test_the_request_names_a_bad_param():
    from scicbir.params import ParamsError

    with pytest.raises(ParamsError) as err:
        StacExportRequest.from_params({"archive": "/a", "out": "/b", "licence": "MIT"})
    assert err.value.data == {"param": "licence"}
    with pytest.raises(ParamsError) as err:
        StacExportRequest.from_params({"archive": "/a", "out": "/b", "license": "C C"})
    assert err.value.data == {"param": "license"}
    with pytest.raises(ParamsError) as err:
        StacExportRequest.from_params({"archive": "/a"})
    assert err.value.data == {"param": "out"}


# ------------------------------------------------------------------ the service


@pytest.mark.slow  # starts the real engine (seconds)
def test_the_service_exports_as_a_job_and_refuses_bad_input(
    exported, sample_folder, engine_python, tmp_path
):
    from scicbir_qgis.engine_client import EngineClient, EngineError

    events = []
    client = EngineClient(
        engine_python, {"OMP_NUM_THREADS": "1"}, on_notification=lambda m, p: events.append((m, p))
    )
    try:
        hello = client.start()
        assert hello["methods"]["archive.stac"]
        out = tmp_path / "service"
        job = client.start_job(
            "archive.stac", {"archive": str(exported[0]), "out": str(out), "license": "CC-BY-4.0"}
        )
        result = client.wait_job(job, timeout=300)
        assert result["items"] == 3 and len(result["added"]) == 3
        assert json.loads((out / "collection.json").read_text())["license"] == "CC-BY-4.0"
        progress = [p for m, p in events if m == "progress" and p.get("job") == job]
        assert progress and progress[-1]["done"] == progress[-1]["total"] == 4
        again = client.wait_job(
            client.start_job("archive.stac", {"archive": str(exported[0]), "out": str(out)}), 300
        )
        assert again["unchanged"] == 3 and again["added"] == []
        with pytest.raises(EngineError) as err:
            client.start_job("archive.stac", {"archive": str(exported[0]), "output": str(out)})
        assert err.value.code == "invalid_params"
        with pytest.raises(EngineError) as err:
            client.wait_job(
                client.start_job(
                    "archive.stac", {"archive": str(sample_folder), "out": str(tmp_path / "y")}
                ),
                300,
            )
        assert err.value.code == "invalid_input"
        assert err.value.data["reason"] == "not_an_archive"
    finally:
        client.stop()
