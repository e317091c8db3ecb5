"""Latents the rANS coder cannot code are refused before coding, never coded for ever.

compressai's coder writes an escaped symbol in 4-bit chunks and counts the chunks with a 32-bit
shift; from |symbol| = 2**27 on, the count never ends. The codec checks every latent and
hyper-latent (finite, within ``MAX_SYMBOL``) before entropy coding. The coding runs in a
subprocess with a timeout, so that a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from scicbir.codec.entropy import MAX_SYMBOL, LatentRangeError, check_symbols

CODE = """
import sys, torch
from scicbir.models import ModelPackage
net = ModelPackage.load(sys.argv[1]).build_network("cpu")
y = torch.zeros(2, net.config.N, 4, 4)
y[1, 0, 1, 1] = float(sys.argv[2])
try:
    net.latent_codec.compress(y)
except ValueError as exc:
    print(type(exc).__name__, exc.tiles)
else:
    print("coded")
"""


@pytest.mark.parametrize("value", [1.4e8, 2.0e9, float("inf"), float("nan"), -3e38])
def test_out_of_range_latents_are_refused_before_coding(tiny_rgb_model, engine_env, value):
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(tiny_rgb_model.path), repr(value)],
        capture_output=True,
        text=True,
        timeout=120,
        env=engine_env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["LatentRangeError", "[1]"]


def test_latents_within_range_are_coded(tiny_rgb_model, engine_env):
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(tiny_rgb_model.path), str(float(MAX_SYMBOL))],
        capture_output=True,
        text=True,
        timeout=120,
        env=engine_env,
    )
    assert done.stdout.strip() == "coded", done.stderr


def test_check_symbols_names_the_tiles_and_the_largest_value():
    ok = np.zeros((3, 2, 2))
    check_symbols(ok)
    bad = ok.copy()
    bad[2, 0, 0] = -(2.0**27)
    with pytest.raises(LatentRangeError) as caught:
        check_symbols(ok, bad)
    assert caught.value.tiles == [2] and caught.value.largest == 2.0**27


def test_tile_codec_refuses_far_out_input_with_a_message(tiny_rgb_model):
    """Unclipped input far outside [0, 1] reaches the guard and fails with what to do."""
    from scicbir.codec import TileCodec
    from scicbir.errors import InputError

    codec = TileCodec(tiny_rgb_model, backend="torch")
    tiles = np.full((2, 3, 64, 64), 0.5, np.float32)
    tiles[1, 1, :4, :4] = 1e20
    with pytest.raises(InputError, match="tile 1 of the batch cannot be coded"):
        codec.encode(tiles)
