"""The compiled probability tables are the numpy definition's bits: streams written before
decode after, and the other way round."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from scicbir.codec import entropy, table_kernels
from scicbir.codec.codec import TileCodec
from scicbir.codec.table_kernels import pairwise_sum


def _parameters(rng: np.random.Generator, components: int, latents: int):
    scales = np.exp2(rng.uniform(np.log2(0.05), 9, (components, latents)))
    means = rng.normal(0, 4, (components, latents)) * rng.choice([0.1, 1, 10], (1, latents))
    logits = rng.normal(0, 3, (components, latents))
    weights = np.exp(logits) / np.exp(logits).sum(axis=0)
    return entropy.snap_parameters(scales, means, weights)


def test_row_sums_are_numpys_bits():
    rng = np.random.default_rng(1)
    for count in [*range(1, 140), 255, 256, 257, 700, 1029]:
        values = rng.random(count) * 10.0 ** rng.integers(-14, 3, count)
        assert pairwise_sum(values, 0, count) == values.sum(), count


@pytest.mark.parametrize("abs_max", [1, 2, 3, 7, 8, 20, 63, 64])
@pytest.mark.parametrize("components", [1, 3])
def test_tables_are_the_numpy_definitions_bits(abs_max, components):
    rng = np.random.default_rng(abs_max * 10 + components)
    for _ in range(5):
        params = _parameters(rng, components, 700)
        assert np.array_equal(
            entropy.build_cdfs(*params, abs_max), entropy.build_cdfs_numpy(*params, abs_max)
        )


def test_parameters_the_lookup_does_not_cover_take_the_numpy_path():
    rng = np.random.default_rng(7)
    scales, means, weights = _parameters(rng, 3, 50)
    scales[1, 3] = 0.3  # off the scale grid
    means[0, 5] = 130.0  # beyond the table's reach
    assert entropy._table_bases(scales, means, weights, 16) is None
    cdf = entropy.build_cdfs(scales, means, weights, 16)
    assert np.array_equal(cdf, entropy.build_cdfs_numpy(scales, means, weights, 16))
    assert (np.diff(cdf, axis=1) >= 1).all() and (cdf[:, -1] == entropy.TOTAL).all()


def test_streams_of_the_numpy_tables_and_the_compiled_ones_are_the_same(
    checkerboard_rgb_model, rgb_image, monkeypatch
):
    tiles = np.stack([rgb_image[:, r : r + 64, c : c + 64] for r in (0, 150) for c in (0, 200)])
    compiled = TileCodec(checkerboard_rgb_model, backend="torch")
    x = compiled.normalisation.forward(tiles)
    streams = [e.stream for e in compiled.encode(x)]
    decoded = compiled.decode_many(streams)
    with monkeypatch.context() as patch:
        patch.setattr(entropy, "build_cdfs", entropy.build_cdfs_numpy)
        reference = TileCodec(checkerboard_rgb_model, backend="torch")
        assert [e.stream for e in reference.encode(x)] == streams
        assert all(
            np.array_equal(a, b)
            for a, b in zip(reference.decode_many(streams), decoded, strict=True)
        )


def test_the_kernels_work_where_numba_can_cache_nothing(tmp_path):
    """A read-only install run without a home folder: numba refuses ``cache=True`` there; the
    kernels compile in the process instead."""
    package = tmp_path / "readonly"
    package.mkdir()
    shutil.copy(Path(table_kernels.__file__), package / "kernels.py")
    (package / "__pycache__").write_text("")  # a file: no cache folder beside the module
    (tmp_path / "blocked").write_text("")  # a file: no user cache folder either
    script = textwrap.dedent(
        """
        import numpy as np
        import kernels
        values = np.random.default_rng(0).random(300)
        assert kernels.pairwise_sum(values, 0, 300) == values.sum()
        print("ok")
        """
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(package),
           "HOME": str(tmp_path / "blocked" / "home"),
           "XDG_CACHE_HOME": str(tmp_path / "blocked" / "cache")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
