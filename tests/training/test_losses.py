"""The losses on hand-made inputs, and their descent over a few steps on a fixed real batch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scicbir.training.losses import (
    balance_loss,
    central_similarity_losses,
    classification_loss,
    distortion_loss,
    hash_centres,
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


def test_hash_centres_are_far_apart_and_fixed():
    c = hash_centres(64, 30)
    assert c.shape == (30, 64) and set(c.unique().tolist()) == {-1.0, 1.0}
    distances = (64 - c @ c.T) / 2
    off = distances[~torch.eye(30, dtype=torch.bool)]
    assert off.min() >= 32  # Hadamard rows and their negatives: half the bits apart or more
    many = hash_centres(16, 40, seed=5)  # more classes than 2 x bits: random balanced codes
    assert many.shape == (40, 16) and torch.equal(many, hash_centres(16, 40, seed=5))


def test_central_similarity_pulls_codes_to_their_class_centre():
    centres = hash_centres(16, 3)
    labels = torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 0]]).float()
    at_centre = torch.stack([centres[0], centres[1], torch.sign(centres[0] + centres[1] + 0.5)])
    near, _ = central_similarity_losses(4.0 * at_centre, labels, centres)
    far, _ = central_similarity_losses(-4.0 * at_centre, labels, centres)
    assert near < 0.05 < 2.0 < far
    _, q_sharp = central_similarity_losses(5.0 * at_centre, labels, centres, quantisation=1.0)
    _, q_soft = central_similarity_losses(0.1 * at_centre, labels, centres, quantisation=1.0)
    assert q_sharp < 0.01 < 0.7 < q_soft


def test_conv_hash_head_trains_towards_class_centres_on_real_tiles():
    """The conv hash network with the central loss separates two classes of real tiles."""
    from scicbir.training.steps import stage3_cached_step

    torch.set_num_threads(1)
    x = _real_batch()
    net = _net(hash_head="conv")
    with torch.no_grad():
        latents = net.g_a(x)
    labels = torch.tensor([[1, 0]] * 4 + [[0, 1]] * 4).float()
    centres = hash_centres(16, 2)
    opt = torch.optim.Adam(net.hashing_parameters(), lr=3e-3)
    steps = [
        stage3_cached_step(
            net, opt, latents, labels, net.hashing_parameters(), "pcgrad", None, i, centres
        )
        for i in range(80)
    ]
    assert steps[-1]["loss_central"] < 0.5 * steps[0]["loss_central"]
    net.eval()
    codes = torch.sign(net.hash_logits(latents))
    target = torch.sign(labels @ centres + 0.5)
    agreement = float((codes == target).float().mean())
    assert agreement > 0.9, agreement


def _real_batch() -> torch.Tensor:
    import rasterio

    from tests.training.conftest import DATA

    with rasterio.open(DATA / "rgb" / "neon_OSBS_029.tif") as ds:
        a = ds.read()[:, :128, :256].astype(np.float32) / 255.0
    tiles = a.reshape(3, 2, 64, 4, 64).transpose(1, 3, 0, 2, 4).reshape(8, 3, 64, 64)
    return torch.from_numpy(np.ascontiguousarray(tiles))


def _net(labels=("a", "b"), hash_head="attention"):
    from scicbir.models.config import RGB_BANDS, ModelConfig
    from scicbir.models.network import SciCbirNet

    torch.manual_seed(0)
    cfg = ModelConfig(
        name="t",
        bands=RGB_BANDS,
        N=16,
        M=16,
        hash_bits=16,
        hash_hidden=32,
        labels=labels,
        hash_head=hash_head,
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


def test_a_clipped_rate_distortion_step_moves_the_weights_by_a_bounded_amount():
    """``stage1.clip_grad_norm`` bounds each step: with SGD the weights move by exactly
    lr * clipped gradient, so the step's norm is at most lr * clip_grad_norm."""
    from scicbir.training.steps import stage1_step

    torch.set_num_threads(1)
    x = _real_batch()
    moves = {}
    for clip in (0.0, 1e-3):
        torch.manual_seed(0)
        net = _net()
        params = net.compression_parameters()
        before = torch.cat([p.detach().flatten().clone() for p in params])
        opt = torch.optim.SGD(params, lr=1.0)
        figures = stage1_step(net, opt, x, "mse_rate", 8.0, clip_grad_norm=clip)
        assert math.isfinite(figures["loss_rd"])
        after = torch.cat([p.detach().flatten() for p in params])
        moves[clip] = float(torch.linalg.vector_norm(after - before))
    assert moves[1e-3] <= 1e-3 * 1.0001
    assert moves[0.0] > 100 * moves[1e-3]  # unclipped, the same step is far larger
