"""Extreme float pixels (inf, NaN, undeclared fill values, absurd magnitudes) never hang compress.

compressai's rANS coder escapes a symbol beyond its table in 4-bit chunks and counts them with a
32-bit shift that never ends once |symbol| reaches 2**27: a latent that large made ``compress``
spin for ever (and, under ``serve``, froze the whole engine). The rasters here are crops of the
committed Landsat sample turned into float32, each with one kind of extreme value; the engine
runs as a subprocess with a hard timeout so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.archive.extremes import MAGNITUDES, write_extreme_rasters

#: Seconds a compress of these few tiles may take on two busy cores (it takes ~10 s).
HARD_TIMEOUT_S = 300


def run_compress(src: Path, archive: Path, model: Path, env: dict[str, str]) -> tuple[int, dict]:
    """``scicbir compress --json`` in a subprocess killed after ``HARD_TIMEOUT_S``."""
    command = [
        *(sys.executable, "-X", "faulthandler", "-m", "scicbir", "compress", str(src)),
        *("--archive", str(archive), "--model", str(model), "--json", "--quiet"),
        *("--workers", "1"),
    ]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=HARD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"compress hung for {HARD_TIMEOUT_S} s on extreme values:\n{exc.stderr}")
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_extreme_float_pixels_are_nodata_or_clipped_and_never_hang(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    write_extreme_rasters(data_dir, tmp_path / "src")
    archive = tmp_path / "archive"
    code, summary = run_compress(tmp_path / "src", archive, tiny_rgb_model.path, engine_env)
    by_name = {Path(s["path"]).name: s for s in summary["sources"]}
    assert code == 0, summary
    assert summary["failed"] == 0 and summary["added"] == 4
    assert by_name["a_inf.tif"]["tiles"] == 4 and by_name["a_inf.tif"]["clipped_values"] == 0
    assert by_name["b_fill.tif"]["clipped_values"] == 0  # fill is nodata, not clipped
    assert by_name["c_huge.tif"]["clipped_values"] == 9
    assert by_name["d_magnitudes.tif"]["clipped_values"] == 4 * len(MAGNITUDES)
    assert summary["clipped_values"] == 9 + 4 * len(MAGNITUDES)
    assert any("clipped" in note for note in by_name["d_magnitudes.tif"]["warnings"])

    from scicbir.archive import Archive

    with Archive.open(archive) as opened:
        tiles = {(Path(t.source_path).name, t.col, t.row): t for t in opened.tiles()}
        inf_mask = opened.read_mask(tiles[("a_inf.tif", 0, 0)])
        nan_mask = opened.read_mask(tiles[("a_inf.tif", 64, 64)])
        fill_mask = opened.read_mask(tiles[("b_fill.tif", 0, 0)])
        assert inf_mask is not None and inf_mask[10, 10] and inf_mask.sum() == 1
        assert nan_mask is not None and nan_mask[70 - 64, 100 - 64] and nan_mask.sum() == 1
        assert fill_mask is not None and fill_mask[:20, :30].all() and fill_mask.sum() == 600
        decoded = opened.decode_tile(tiles[("d_magnitudes.tif", 64, 64)].id)
        assert np.isfinite(decoded).all()

    # The files are recorded as done: running the batch again codes nothing again.
    code, again = run_compress(tmp_path / "src", archive, tiny_rgb_model.path, engine_env)
    assert code == 0 and again["unchanged"] == 4
