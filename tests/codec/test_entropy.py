"""The mixture entropy coder alone: exact round trips, outliers, table properties."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scicbir.codec.entropy import (
    CDF_TABLE,
    MAX_ABS,
    TOTAL,
    MixtureCoder,
    build_cdfs,
    coding_order,
    snap_parameters,
)
from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet


@pytest.fixture(scope="module", params=["checkerboard", "serial"])
def coder(request) -> MixtureCoder:
    torch.manual_seed(0)
    config = ModelConfig(name="e", bands=("a",), N=8, M=8, context=request.param)
    return MixtureCoder(SciCbirNet(config).latent_codec)


def _round_trip(coder: MixtureCoder, y_hat: np.ndarray) -> np.ndarray:
    B, _, H, W = y_hat.shape
    z_hat = torch.round(torch.randn(B, 8, -(-H // 4), -(-W // 4)) * 2)
    hyper = coder.hyper(z_hat)[:, :, :H, :W]
    params = coder.parameters_all(y_hat, hyper)
    strings, ranges = [], []
    for b in range(B):
        a = coder.symbol_range(y_hat[b])
        strings.append(coder.encode(y_hat[b], tuple(p[:, b] for p in params), a))
        ranges.append(a)
    return coder.decode(strings, hyper, ranges, H, W).numpy()


@pytest.mark.parametrize("size", [(4, 4), (5, 7)])
def test_latents_round_trip_exactly_including_escaped_outliers(coder, size):
    rng = np.random.default_rng(0)
    y_hat = np.rint(rng.normal(0, 3, (2, 8, *size)))
    y_hat[0, 3, 1, 2] = 5 * MAX_ABS  # beyond the tables: escaped by the rANS bypass (anchor)
    y_hat[1, 0, 0, 0] = -3 * MAX_ABS  # (non-anchor)
    y_hat[1, 5, 2, 3] = MAX_ABS + 1  # (anchor, next to the outlier above)
    assert np.array_equal(_round_trip(coder, y_hat), y_hat)


def test_checkerboard_decodes_anchors_without_the_other_positions():
    """The symbol order is anchors first: a stream of the anchors alone decodes them."""
    torch.manual_seed(0)
    config = ModelConfig(name="e", bands=("a",), N=8, M=8, context="checkerboard")
    coder = MixtureCoder(SciCbirNet(config).latent_codec)
    order = coding_order("checkerboard", 4, 4)
    assert [g.size for g in order] == [8, 8]
    assert all((p // 4 + p % 4) % 2 == 1 for p in order[0])  # anchors: i + j odd
    rng = np.random.default_rng(2)
    y_hat = np.rint(rng.normal(0, 3, (1, 8, 4, 4)))
    hyper = coder.hyper(torch.round(torch.randn(1, 8, 1, 1) * 2))
    only_anchors = y_hat.copy()
    only_anchors.reshape(1, 8, 16)[:, :, order[1]] = 0.0
    a = coder.symbol_range(y_hat[0])
    params = coder.parameters_all(y_hat, hyper)
    stream = coder.encode(y_hat[0], tuple(p[:, 0] for p in params), a)
    # the anchors' parameters do not depend on the other positions
    anchors_params = coder.parameters_all(only_anchors, hyper)
    for p, q in zip(params, anchors_params, strict=True):
        flat_p, flat_q = (t.reshape(t.shape[0], 1, 8, 16)[..., order[0]] for t in (p, q))
        assert np.array_equal(flat_p, flat_q)
    decoded = coder.decode([stream], hyper, [a], 4, 4).numpy()
    assert np.array_equal(decoded, y_hat)


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


def _cdfs_by_definition(s, m, w, abs_max):
    """The tables every stream so far was written with: normal CDFs computed edge by edge."""
    from scipy.special import ndtr

    edges = np.arange(-abs_max, abs_max + 2, dtype=np.float64) - 0.5
    pmf = np.zeros((s.shape[1], edges.size - 1))
    for k in range(s.shape[0]):
        pmf += w[k][:, None] * np.diff(ndtr((edges[None, :] - m[k][:, None]) / s[k][:, None]), 1)
    n = pmf.shape[1]
    total = pmf.sum(axis=1, keepdims=True)
    total[total <= 0] = 1.0
    freq = np.floor(pmf / total * (TOTAL - 1 - n)).astype(np.int64) + 1
    freq[np.arange(len(freq)), np.argmax(pmf, axis=1)] += (TOTAL - 1) - freq.sum(axis=1)
    return np.concatenate([np.zeros((len(freq), 1), np.int64), np.cumsum(freq, 1),
                           np.full((len(freq), 1), TOTAL)], axis=1)  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_looked_up_cdfs_equal_computed_ones_bit_for_bit(seed):
    """The CDF table must give exactly the computed tables, or streams stop decoding: every
    scale of the grid (both ends, the "abs" rule), means near, at and beyond the table's reach
    (those are computed), symbol ranges 1..MAX_ABS."""
    rng = np.random.default_rng(seed)
    K, L = 3, 4000
    raw_scales = np.exp(rng.uniform(-4.0, 7.0, (K, L))) * rng.choice([1, -1], (K, L))
    raw_means = rng.normal(0, [[1.0], [20.0], [90.0]], (K, L))
    raw_means[:, :8] = [65.9, 66.1, -66.0, -70.0, 130.0, 0.0, 1e6, -3.3]
    weights = rng.dirichlet(np.ones(K), L).T
    rule = "abs" if seed % 2 else "bound"
    s, m, w = snap_parameters(raw_scales, raw_means, weights, rule)
    assert (CDF_TABLE.rows_of(s.reshape(-1)) >= 0).all()  # the table is what is tested
    for abs_max in (1, 3, 17, MAX_ABS):
        assert np.array_equal(build_cdfs(s, m, w, abs_max), _cdfs_by_definition(s, m, w, abs_max))


@pytest.fixture(scope="module", params=["checkerboard", "serial"])
def latent_codec(request):
    torch.manual_seed(1)
    config = ModelConfig(name="e", bands=("a",), N=8, M=8, context=request.param)
    codec = SciCbirNet(config).latent_codec.eval()
    codec.entropy_bottleneck.update(force=True)
    return codec


def test_payloads_round_trip_exactly_including_escaped_outliers(latent_codec):
    coder = MixtureCoder(latent_codec)
    y = torch.randn(3, 8, 8, 8) * 3
    y[0, 2, 3, 4] = 4.2 * MAX_ABS  # escaped latents: an anchor and a non-anchor
    y[0, 6, 5, 5] = -2.7 * MAX_ABS
    y[2] = 0.1 * y[2]  # a nearly empty tile: narrow tables
    with torch.no_grad():
        z = latent_codec.h_a(y) * 40  # hyper-latents beyond their tables are escaped too
    payloads, y_hat = coder.compress(y, z)
    assert torch.equal(y_hat, torch.round(y))
    assert [p[0] for p in payloads] == [MAX_ABS, coder.symbol_range(y_hat[1].numpy()), 1]
    decoded = coder.decompress(payloads, (8, 8), tuple(z.shape[-2:]))
    assert torch.equal(decoded, torch.round(y))
    alone = coder.decompress(payloads[1:2], (8, 8), tuple(z.shape[-2:]))
    assert torch.equal(alone, decoded[1:2])


def test_payload_with_a_bad_table_width_is_refused(latent_codec):
    coder = MixtureCoder(latent_codec)
    for bad in (b"", b"\x05", b"\x00" + bytes(8), bytes([MAX_ABS + 1]) + bytes(8)):
        with pytest.raises(ValueError, match="not a latent payload"):
            coder.decompress([bad], (8, 8), (2, 2))
