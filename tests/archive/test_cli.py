"""The ``scicbir compress / archive info / decode / index rebuild`` commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import rasterio

from tests.archive.conftest import crop


def scicbir(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "scicbir", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_command_line_round_trip(data_dir, tiny_rgb_model, engine_env, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    crop(data_dir / "rgb" / "neon_OSBS_029.tif", src / "neon.tif", 128, 100)
    (src / "broken.tif").write_bytes(b"II*\x00garbage")
    archive = tmp_path / "archive"

    result = scicbir(
        "compress",
        src,
        "--archive",
        archive,
        "--model",
        tiny_rgb_model.path,
        "--json",
        env=engine_env,
    )
    assert result.returncode == 1  # a file failed
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["failed"], summary["tiles"]) == (1, 1, 4)
    assert "broken.tif" in result.stderr and "failed:" in result.stderr

    result = scicbir("archive", "info", archive, "--json", env=engine_env)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert (info["sources"], info["tiles"]) == (1, 4)
    assert info["model"]["model_id"] == tiny_rgb_model.model_id
    assert info["model"]["checksum"] == tiny_rgb_model.checksum
    assert info["raw_bytes"] == 128 * 100 * 3
    assert info["compression_ratio"] == pytest.approx(
        info["raw_bytes"] / (info["stream_bytes"] + info["mask_bytes"])
    )
    assert info["mean_bpp"] > 0 and info["index"] == {"tiles": 4, "current": True}

    out = tmp_path / "tile.tif"
    result = scicbir("decode", "--archive", archive, "--tile", 2, "-o", out, env=engine_env)
    assert result.returncode == 0, result.stderr
    with rasterio.open(out) as ds, rasterio.open(src / "neon.tif") as source:
        assert (ds.width, ds.height, ds.crs, ds.nodata) == (64, 64, source.crs, source.nodata)

    (archive / "index.faiss").unlink()
    result = scicbir("index", "rebuild", archive, env=engine_env)
    assert result.returncode == 0 and "4 tiles" in result.stdout

    from scicbir.models.testing import make_random_package

    other = make_random_package(tmp_path / "other", bands=3, tile_size=64, N=16, M=16, seed=3)
    result = scicbir(
        "compress", src / "neon.tif", "--archive", archive, "--model", other.path, env=engine_env
    )
    assert result.returncode == 1
    assert "was made with model" in result.stderr and "Traceback" not in result.stderr
