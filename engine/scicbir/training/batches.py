"""Turn cached tiles into training/evaluation batches: crop to the model's tile, flip, pad.

Training takes a random ``tile_size`` crop of each cached sample (and random horizontal/vertical
flips in stage 3); evaluation takes the centre crop. Samples smaller than the tile are
left as they are: the training forward pads them as the codec pads edge tiles. Crops and flips come from a generator seeded by
(seed, epoch, step), so a resumed epoch sees the same pixels.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from scicbir.training.cache import TileCache


def load_batch(
    cache: TileCache,
    index: np.ndarray,
    tile_size: int,
    rng: np.random.Generator | None = None,
    flips: bool = False,
    device: str = "cpu",
    rotations: bool = False,
) -> tuple[Tensor, Tensor]:
    """(x (B, C, T, T) float32, labels (B, L) float32) for cache rows ``index``.

    ``rng`` None = centre crop, no flips (evaluation). ``rotations`` adds random multiples of
    90 degrees (square tiles only; aerial and satellite scenes have no preferred orientation).
    """
    s = cache.tiles.shape[-1]
    sorted_idx = np.sort(index)
    order = np.argsort(np.argsort(index))
    raw = np.asarray(cache.tiles[sorted_idx])[order]  # memmaps read fastest in order
    labels = cache.labels[index]
    if s > tile_size:
        if rng is None:
            o = (s - tile_size) // 2
            raw = raw[:, :, o : o + tile_size, o : o + tile_size]
        else:
            offs = rng.integers(0, s - tile_size + 1, size=(len(index), 2))
            raw = np.stack(
                [
                    r[:, a : a + tile_size, b : b + tile_size]
                    for r, (a, b) in zip(raw, offs, strict=True)
                ]
            )
    x = raw.astype(np.float32)  # samples smaller than the tile stay smaller: the net pads
    if rng is not None and flips:
        fl = rng.random((len(index), 2)) < 0.5
        for i, (h, v) in enumerate(fl):
            if h:
                x[i] = x[i, :, :, ::-1]
            if v:
                x[i] = x[i, :, ::-1, :]
    if rng is not None and rotations:  # with the flips: all 8 symmetries of the square
        for i, k in enumerate(rng.integers(0, 4, size=len(index))):
            if k:
                x[i] = np.rot90(x[i], int(k), axes=(1, 2))
    xt = torch.from_numpy(np.ascontiguousarray(x)).to(device)
    lt = torch.from_numpy(labels.astype(np.float32)).to(device)
    return xt, lt
