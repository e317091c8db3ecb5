"""Stage 3 on cached latents: same hash-part gradients as the full forward, codec untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from scicbir.models.config import ModelConfig
from scicbir.models.network import SciCbirNet
from scicbir.training.batches import load_batch
from scicbir.training.cache import TileCache
from scicbir.training.checkpoint import load_checkpoint
from scicbir.training.config import config_from_dict
from scicbir.training.latent_cache import build_latent_cache
from scicbir.training.steps import forward, hashing_gradients, hashing_losses
from scicbir.training.trainer import train
from tests.training.conftest import DATA, tiny_config


def _real_tile_cache() -> TileCache:
    """64 px tiles of the committed RGB rasters at 96 px samples (so crops can move), /255,
    labelled by source raster and brightness."""
    import rasterio

    tiles, labels = [], []
    for i, raster in enumerate(sorted((DATA / "rgb").glob("*.tif"))):
        with rasterio.open(raster) as src:
            data = src.read([1, 2, 3]).astype(np.float32) / 255.0
        for r in range(0, data.shape[1] - 96 + 1, 96):
            for c in range(0, data.shape[2] - 96 + 1, 96):
                tile = data[:, r : r + 96, c : c + 96]
                tiles.append(tile)
                labels.append([i == 0, i == 1, tile.mean() > 0.35])
    arr = np.stack(tiles).astype(np.float16)
    lab = np.asarray(labels, dtype=np.uint8)
    keys = [f"t{i}" for i in range(len(arr))]
    return TileCache(
        Path("."), arr, lab, keys, [None] * len(arr), ("red", "green", "blue"), ("a", "b", "bright")
    )


def test_cached_latents_give_the_hash_gradients_of_the_full_forward():
    torch.manual_seed(0)
    cache = _real_tile_cache()
    cfg = ModelConfig(
        name="t",
        bands=("red", "green", "blue"),
        N=16,
        M=16,
        hash_bits=16,
        hash_hidden=32,
        labels=("a", "b", "bright"),
        context="checkerboard",
    )
    net = SciCbirNet(cfg)
    rows = np.arange(min(12, len(cache)))
    labels = torch.from_numpy(cache.labels[rows].astype(np.float32))
    params = net.hashing_parameters()

    latents = build_latent_cache(net, cache, rows, 64, 1, seed=0, device="cpu").batch(
        rows, None, "cpu"
    )
    cached, _ = hashing_gradients(
        *hashing_losses(net.hash_head(latents), labels), params, "pcgrad", None, seed=5
    )
    x, _ = load_batch(cache, rows, 64)  # the same centre crops
    out = forward(net, x)
    full, _ = hashing_gradients(
        *hashing_losses((out["u"], out["b"], out["class_probs"]), labels),
        params,
        "pcgrad",
        None,
        seed=5,
    )
    assert len(cached) == len(full) == len(params)
    for a, b in zip(cached, full, strict=True):
        assert a is not None and b is not None
        # float16 storage of the cached latents is the only difference
        assert torch.allclose(a, b, rtol=5e-2, atol=5e-3 * float(b.abs().max()) + 1e-7)


def test_cached_variants_are_augmented_and_reproducible():
    cache = _real_tile_cache()
    net = SciCbirNet(ModelConfig(name="t", bands=("red", "green", "blue"), N=8, M=8))
    rows = np.arange(4)
    a = build_latent_cache(net, cache, rows, 64, 3, seed=1, device="cpu")
    b = build_latent_cache(net, cache, rows, 64, 3, seed=1, device="cpu")
    assert a.latents.shape[:2] == (4, 3)
    np.testing.assert_array_equal(a.latents, b.latents)
    assert not np.array_equal(a.latents[:, 0], a.latents[:, 1])  # other crops / symmetries


@pytest.mark.slow
def test_cached_stage3_trains_the_hash_head_and_leaves_the_codec_as_it_was(rgb_tiles, tmp_path):
    cfg = tiny_config(
        rgb_tiles,
        tmp_path / "run",
        stage3={"epochs": 3, "lr_compression": 0.0, "latent_variants": 2, "batch_size": 8},
    )
    result = train(config_from_dict(cfg))
    ck = result.output / "checkpoints"
    before = load_checkpoint(ck / "stage2_best.pt")["model"]
    after = load_checkpoint(ck / "stage3_best.pt")["model"]
    assert load_checkpoint(ck / "last.pt")["done_stages"] == [1, 2, 3]
    codec_keys = [k for k in after if not k.startswith("hash_head.")]
    moved = [
        k for k in after if k.startswith("hash_head.") and not torch.equal(after[k], before[k])
    ]
    assert moved, "the hash head did not train"
    assert all(torch.equal(after[k], before[k]) for k in codec_keys if "quantiles" not in k)
    assert "val_mAP@8" in result.best["stage3"]
