"""The mixture entropy coder alone: exact round trips, outliers, table properties."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scicbir.codec.entropy import MAX_ABS, TOTAL, MixtureCoder, build_cdfs, snap_parameters
from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet


@pytest.fixture(scope="module")
def coder() -> MixtureCoder:
    torch.manual_seed(0)
    return MixtureCoder(SciCbirNet(ModelConfig(name="e", bands=("a",), N=8, M=8)).latent_codec)


def _round_trip(coder: MixtureCoder, y_hat: np.ndarray) -> np.ndarray:
    B, _, H, W = y_hat.shape
    hyper = coder.hyper(torch.round(torch.randn(B, 8, H // 4, W // 4) * 2))
    params = coder.parameters_all(y_hat, hyper)
    strings, ranges = [], []
    for b in range(B):
        a = coder.symbol_range(y_hat[b])
        strings.append(coder.encode(y_hat[b], tuple(p[:, b] for p in params), a))
        ranges.append(a)
    return coder.decode(strings, hyper, ranges, H, W).numpy()


def test_latents_round_trip_exactly_including_escaped_outliers(coder):
    rng = np.random.default_rng(0)
    y_hat = np.rint(rng.normal(0, 3, (2, 8, 4, 4)))
    y_hat[0, 3, 1, 2] = 5 * MAX_ABS  # beyond the tables: escaped by the rANS bypass
    y_hat[1, 0, 0, 0] = -3 * MAX_ABS
    assert np.array_equal(_round_trip(coder, y_hat), y_hat)


def test_all_zero_latents_round_trip(coder):
    y_hat = np.zeros((1, 8, 4, 4))
    assert np.array_equal(_round_trip(coder, y_hat), y_hat)


def test_cdfs_are_valid_rans_tables():
    rng = np.random.default_rng(1)
    K, L = 3, 50
    s, m, w = snap_parameters(
        rng.normal(0, 2, (K, L)), rng.normal(0, 5, (K, L)), rng.dirichlet(np.ones(K), L).T
    )
    cdf = build_cdfs(s, m, w, abs_max=10)
    assert cdf.shape == (L, 23)
    assert (cdf[:, 0] == 0).all() and (cdf[:, -1] == TOTAL).all()
    freq = np.diff(cdf, axis=1)
    assert (freq >= 1).all() and (freq[:, -1] == 1).all()  # every symbol codable, escape = 1
