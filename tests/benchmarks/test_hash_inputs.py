"""The hash-input comparison measures the inputs a package would really get: its row D is the
engine's ``hash_taps: [2, 5, 7]`` + ``hash_tap_pooling: mean+std`` input, block for block."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from benchmarks.bench_hash_inputs import ROWS, _every_block, blocks_of
from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet


def test_cached_blocks_hold_the_engine_input_of_mean_and_spread_taps():
    torch.manual_seed(0)
    config = ModelConfig(name="t", bands=("r", "g", "b"), N=8, M=8, hash_bits=16)
    net = SciCbirNet(config).eval()
    x = torch.rand(2, 3, 64, 64)
    taps = (2, 5, 7)
    blocks = blocks_of(taps)
    assert blocks == ["y", "m7", "s7", "m5", "s5", "m2", "s2"] == ROWS["D"]
    with torch.no_grad():
        _, cached = _every_block(net, taps)(x)
        net.config = dataclasses.replace(config, hash_taps=taps, hash_tap_pooling="mean+std")
        _, engine = net.analyse(x)
    # the engine orders taps by layer (y, m2, s2, m5, s5, m7, s7)
    order = ["y", "m2", "s2", "m5", "s5", "m7", "s7"]
    by_block = {b: cached[:, 8 * i : 8 * i + 8] for i, b in enumerate(blocks)}
    np.testing.assert_allclose(
        torch.cat([by_block[b] for b in order], 1).numpy(), engine.numpy(), rtol=1e-6, atol=1e-6
    )
