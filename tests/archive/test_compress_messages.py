"""What compress says about rasters it cannot use as they are: the file is always named."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import rasterio

from scicbir.archive.compress import compress_folder
from scicbir.errors import InputError
from tests.archive.conftest import crop


def test_a_one_band_raster_alone_names_the_file_when_no_model_fits(data_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    three = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "3.tif", 64, 64)
    with rasterio.open(three) as ds:
        profile = ds.profile | {"count": 1}
        band = ds.read(1)
    with rasterio.open(src / "single.tif", "w", **profile) as out:
        out.write(band, 1)
    with pytest.raises(InputError) as caught:
        compress_folder(src, tmp_path / "archive")
    message = str(caught.value)
    assert str(src / "single.tif") in message and "no model for 1 bands" in message
    assert "--model" in message


def test_a_nodata_only_raster_is_reported_as_such(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    source = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "l.tif", 96, 96)
    with rasterio.open(source) as ds:
        profile = ds.profile | {"dtype": "float32"}
    with rasterio.open(src / "empty.tif", "w", **profile) as out:
        out.write(np.full((3, 96, 96), np.nan, np.float32))
    summary = compress_folder(src, tmp_path / "archive", str(tiny_rgb_model.path))
    (result,) = summary.sources
    assert (result.status, result.tiles, result.empty_tiles) == ("added", 0, 4)
    assert any("only nodata" in note for note in result.warnings), result.warnings


@pytest.mark.skipif(sys.platform != "linux", reason="file size limit through RLIMIT_FSIZE")
def test_json_summary_is_printed_when_the_disk_fills_up(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    """A full disk stops the batch; ``--json`` still prints what was done, with the error.

    The disk is filled for real by a per-process file size limit (writes fail with EFBIG, as
    on a full disk with ENOSPC); the sources committed before the stop stay in the archive."""
    import resource

    src = tmp_path / "src"
    src.mkdir()
    for k in range(6):
        crop(data_dir / "landsat" / "landsat8_224078_crop.tif", src / f"scene{k}.tif", 192, 192)
    limit = 256 * 1024

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [
        *(sys.executable, "-m", "scicbir", "compress", str(src)),
        *("--archive", str(tmp_path / "archive"), "--model", str(tiny_rgb_model.path)),
        *("--json", "--quiet", "--no-psnr", "--workers", "1"),
    ]
    done = subprocess.run(
        command,
        env=engine_env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=small_files,  # the limit is what this test is about
    )
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"] is False
    assert summary["error"]["code"] == "invalid_input"
    assert "cannot be written" in summary["error"]["message"]
    assert summary["added"] >= 1 and summary["failed"] == 1
    assert "cannot be written" in done.stderr
    # the stop and the file it stopped at say why, for a client to word it: a pack write
    # fails with EFBIG (disk_full), a catalog write with SQLite's "disk I/O error", which
    # cannot tell a full disk from a failing one (archive_unwritable)
    reason = summary["error"]["data"]["reason"]
    assert reason in ("disk_full", "archive_unwritable"), summary["error"]
    (stopped,) = [s for s in summary["sources"] if s["status"] == "failed"]
    assert (stopped["code"], stopped["reason"]) == ("invalid_input", reason)


@pytest.mark.skipif(sys.platform != "linux", reason="file size limit through RLIMIT_FSIZE")
def test_a_disk_too_small_for_a_new_catalog_is_reported_and_leaves_no_catalog(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    """With room for 64 KiB per file the new catalog cannot be made (SQLite: "disk I/O error"):
    the disk-full message names the folder and the space needed, and nothing half-made stays."""
    import resource

    src = tmp_path / "src"
    src.mkdir()
    crop(data_dir / "landsat" / "landsat8_224078_crop.tif", src / "scene.tif", 96, 96)
    limit = 64 * 1024
    folder = tmp_path / "archive"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [
        *(sys.executable, "-m", "scicbir", "compress", str(src)),
        *("--archive", str(folder), "--model", str(tiny_rgb_model.path)),
        *("--json", "--quiet", "--no-psnr", "--workers", "1"),
    ]
    done = subprocess.run(
        command,
        env=engine_env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=small_files,  # the limit is what this test is about
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["ok"] is False and summary["error"]["code"] == "invalid_input"
    message = summary["error"]["message"]
    assert f"archive {folder} cannot be written" in message
    assert "256 KiB" in message and "file size limit" in message
    assert "run the same command again" in message and message in done.stderr
    left = sorted(p.name for p in folder.iterdir())
    assert left == [".lock"], left  # no catalog, no temporary catalog, no log

    # with room, the same command makes the archive
    again = subprocess.run(command, env=engine_env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["added"] == 1


def test_a_full_disk_message_says_how_much_to_free(monkeypatch, tmp_path):
    import shutil
    import sqlite3

    from scicbir.archive import store

    usage = shutil.disk_usage(tmp_path)._replace(free=100 * 1024)
    monkeypatch.setattr(store.shutil, "disk_usage", lambda _: usage)
    error = store.catalog_not_written(
        tmp_path, sqlite3.OperationalError("database or disk is full")
    )
    message = str(error)
    assert str(tmp_path / "catalog.gpkg") in message and "(database or disk is full)" in message
    assert "free at least 156 KiB more on its disk (100 KiB free)" in message
