"""The losses on hand-made inputs, and their descent over a few steps on a fixed real batch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scicbir.training.losses import (
    balance_loss,
    classification_loss,
    distortion_loss,
    label_similarity,
    rate_bpp,
    soft_pairwise_loss,
)


def test_distortion_is_zero_for_identical_tiles_and_grows_with_noise():
    x = torch.rand(2, 3, 64, 64)
    assert float(distortion_loss(x, x)) == pytest.approx(0.0, abs=1e-6)
    small = distortion_loss(x, x + 0.01 * torch.randn_like(x))
    large = distortion_loss(x, x + 0.2 * torch.randn_like(x))
    assert 0 < float(small) < float(large) <= 2


def test_rate_counts_bits_per_spatial_pixel():
    # 2 tiles of 8x8 pixels; likelihood 1/2 for 64 elements and 1/4 for 32 -> 64 + 64 bits
    lk = {"y": torch.full((64,), 0.5), "z": torch.full((32,), 0.25)}
    assert float(rate_bpp(lk, 2 * 8 * 8)) == pytest.approx(128 / 128)


def test_soft_pairwise_separates_hard_and_soft_pairs():
    labels = torch.tensor([[1, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], dtype=torch.float32)
    s_o = label_similarity(labels)
    assert float(s_o[0, 1]) == pytest.approx(1.0) and float(s_o[0, 2]) == 0.0
    assert float(s_o[0, 3]) == pytest.approx(1 / math.sqrt(2))
    q = 16
    a = torch.ones(q)
    # codes agreeing with the labels: similar pairs equal, dissimilar pairs opposite
    good = torch.stack([a, a, -a, torch.cat([a[:8], -a[8:]])])
    bad = torch.stack([a, -a, a, a])
    assert float(soft_pairwise_loss(good, labels)) < float(soft_pairwise_loss(bad, labels))
    # a soft pair alone: minimal when 0.5 (s_h + q) = s_o q, i.e. s_h = (2 s_o - 1) q
    soft_labels = labels[[0, 3]]
    target = (2 / math.sqrt(2) - 1) * q
    flips = round((q - target) / 2)  # s_h = q - 2 * flips
    best = torch.stack([a, torch.cat([a[: q - flips], -a[q - flips :]])])
    worse = torch.stack([a, a])
    assert float(soft_pairwise_loss(best, soft_labels)) < float(
        soft_pairwise_loss(worse, soft_labels)
    )


def test_balance_and_classification_losses():
    half = torch.tensor([[1.0, -1.0, 1.0, -1.0]])
    same = torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    assert float(balance_loss(half)) == 0.0 and float(balance_loss(same)) == pytest.approx(16.0)
    y = torch.tensor([[1.0, 0.0]])
    assert float(classification_loss(y, y)) == 0.0
    assert float(classification_loss(torch.tensor([[0.0, 1.0]]), y)) == pytest.approx(2.0)


def _real_batch() -> torch.Tensor:
    import rasterio

    from tests.training.conftest import DATA

    with rasterio.open(DATA / "rgb" / "neon_OSBS_029.tif") as ds:
        a = ds.read()[:, :128, :256].astype(np.float32) / 255.0
    tiles = a.reshape(3, 2, 64, 4, 64).transpose(1, 3, 0, 2, 4).reshape(8, 3, 64, 64)
    return torch.from_numpy(np.ascontiguousarray(tiles))


def _net(labels=("a", "b")):
    from scicbir.models.config import RGB_BANDS, ModelConfig
    from scicbir.models.network import SciCbirNet

    torch.manual_seed(0)
    cfg = ModelConfig(
        name="t", bands=RGB_BANDS, N=16, M=16, hash_bits=16, hash_hidden=32, labels=labels
    )
    return SciCbirNet(cfg).train()


@pytest.mark.slow
def test_each_stage_lowers_its_losses_on_a_fixed_real_batch():
    from scicbir.training.steps import stage1_step, stage2_step, stage3_step

    torch.set_num_threads(1)
    x = _real_batch()
    net = _net()
    opt = torch.optim.Adam(net.compression_parameters(), lr=2e-3)
    first = [stage1_step(net, opt, x)["loss_distortion"] for _ in range(8)]
    assert all(math.isfinite(v) for v in first)
    assert np.mean(first[-3:]) < 0.97 * np.mean(first[:3])

    params = net.compression_parameters()
    second = [stage2_step(net, opt, x, params) for _ in range(5)]
    for f in second:
        assert 0.0 <= f["mgda_w1"] <= 1.0 and f["mgda_w1"] + f["mgda_w2"] == pytest.approx(1.0)
        assert math.isfinite(f["loss_rate_bpp"]) and math.isfinite(f["loss_distortion"])
    combined = [
        f["mgda_w1"] * f["loss_distortion"] + f["mgda_w2"] * f["loss_rate_bpp"] for f in second
    ]
    assert combined[-1] < combined[0]

    labels = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [1, 0], [0, 1], [1, 1]]).float()
    opt3 = torch.optim.Adam(
        [
            {"params": net.compression_parameters(), "lr": 1e-7},
            {"params": net.hashing_parameters(), "lr": 3e-3},
        ]
    )
    third = [
        stage3_step(
            net,
            opt3,
            x,
            labels,
            net.compression_parameters(),
            net.hashing_parameters(),
            "pcgrad",
            None,
            seed=i,
        )
        for i in range(10)
    ]
    for f in third:
        assert 0.0 <= f["pcgrad_conflict_rate"] <= 1.0
        assert all(math.isfinite(v) for v in f.values())
    # codes are discrete: the sum of the three hashing losses falls, not each one every step
    total = [f["loss_pairwise"] + f["loss_balance"] + f["loss_classification"] for f in third]
    assert min(total[-4:]) < total[0]


def test_training_forward_pads_any_tile_side_and_crops_the_reconstruction():
    from scicbir.models.config import BIGEARTHNET_S2_BANDS, ModelConfig
    from scicbir.models.network import SciCbirNet
    from scicbir.training.steps import forward

    torch.manual_seed(0)
    cfg = ModelConfig(
        name="s2",
        bands=BIGEARTHNET_S2_BANDS,
        N=16,
        M=16,
        tile_size=120,
        hash_bits=16,
        hash_hidden=32,
        labels=("a",),
    )
    out = forward(SciCbirNet(cfg).train(), torch.rand(2, 12, 120, 120))
    assert out["x_hat"].shape == (2, 12, 120, 120)  # padded to 128 inside, cropped back
    assert out["b"].shape == (2, 16) and set(out["b"].unique().tolist()) <= {-1.0, 1.0}
