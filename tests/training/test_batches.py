"""Training crops at native resolution with flips and rotations: labels stay with their tiles."""

from __future__ import annotations

import numpy as np

from scicbir.training.batches import load_batch
from tests.training.test_stage3_cached import _real_tile_cache


def _symmetries(tile: np.ndarray) -> list[np.ndarray]:
    out = []
    for k in range(4):
        r = np.rot90(tile, k, axes=(1, 2))
        out += [r, r[:, :, ::-1]]
    return out


def test_augmented_crops_keep_their_labels_and_are_crops_of_their_own_sample():
    cache = _real_tile_cache()  # 96 px real RGB samples, labelled
    index = np.array([3, 0, 5, 1])
    rng = np.random.default_rng(7)
    x, y = load_batch(cache, index, 64, rng, flips=True, rotations=True)
    assert x.shape == (4, 3, 64, 64)
    np.testing.assert_array_equal(y.numpy(), cache.labels[index].astype(np.float32))
    for tile, row in zip(x.numpy(), index, strict=True):
        sample = np.asarray(cache.tiles[row], np.float32)
        # some 64 px window of the sample, under one of the 8 symmetries of the square, is it
        found = False
        for candidate in _symmetries(tile):
            for a in range(0, 96 - 64 + 1):
                for b in range(0, 96 - 64 + 1):
                    if np.array_equal(sample[:, a : a + 64, b : b + 64], candidate):
                        found = True
                        break
                if found:
                    break
            if found:
                break
        assert found, f"tile of sample {row} is not a crop of that sample"


def test_evaluation_batches_are_centre_crops_without_augmentation():
    cache = _real_tile_cache()
    x, _ = load_batch(cache, np.array([2]), 64)
    np.testing.assert_array_equal(
        x.numpy()[0], np.asarray(cache.tiles[2], np.float32)[:, 16:80, 16:80]
    )
