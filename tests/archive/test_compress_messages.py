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
