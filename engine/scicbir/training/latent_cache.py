"""Stage 3 on cached latents: the codec's latents of every training tile, computed once.

When the compression part's learning rate is zero (or as small as the thesis's 1e-7, which
moves the codec by nothing measurable in a CPU budget) the analysis transform is a fixed
function, so the latents that the hashing part sees can be computed once per augmentation
variant instead of at every step. A stage-3 step then runs only the hash head: on a CPU
that is two to three orders of magnitude cheaper than running the whole codec forward and
backward several times per step (see ``benchmarks/bench_training.py``).

Each training sample gets ``variants`` versions (a crop of the model's tile size at a random
position of the cached sample, with a random flip/rotation), drawn from the seed, so a
resumed run rebuilds the identical cache. Validation tiles are cached once (centre crop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.training.cache import TileCache


@dataclass
class LatentCache:
    """``latents`` float16 (n, variants, N, h, w) of training rows ``index`` (cache rows)."""

    index: np.ndarray
    latents: np.ndarray

    @property
    def variants(self) -> int:
        return int(self.latents.shape[1])

    def batch(self, rows: np.ndarray, rng: np.random.Generator | None, device) -> Tensor:
        """Latents (B, N, h, w) of cache rows ``rows``: a random variant each (``rng``), or
        variant 0."""
        pos = np.searchsorted(self.index, rows)
        v = (
            rng.integers(0, self.variants, size=len(rows))
            if rng is not None
            else np.zeros(len(rows), dtype=np.int64)
        )
        return torch.from_numpy(self.latents[pos, v].astype(np.float32)).to(device)


def analysis_latents(net: nn.Module, x: Tensor) -> Tensor:
    """What the hash head reads (``SciCbirNet.analyse``): y (encoder side) or round(y)
    (decoder side), with the model's hash taps."""
    from scicbir.models.network import pad_to_multiple

    return net.analyse(pad_to_multiple(x))[1]


@torch.no_grad()
def build_latent_cache(
    net: nn.Module,
    tiles: TileCache,
    index: np.ndarray,
    tile_size: int,
    variants: int,
    seed: int,
    device,
    augment: bool = True,
    batch_size: int = 64,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> LatentCache:
    """Encode every row of ``index`` (sorted) of the tile cache ``tiles`` ``variants`` times."""
    from scicbir.training.batches import load_batch

    progress = progress or no_progress
    index = np.sort(np.asarray(index))
    was_training = net.training
    net.eval()
    chunks = []
    total = len(index) * variants
    try:
        for v in range(variants):
            rows = []
            for start in range(0, len(index), batch_size):
                if cancel is not None:
                    cancel.raise_if_cancelled("caching latents")
                part = index[start : start + batch_size]
                rng = None if variants == 1 else np.random.default_rng([seed, v, start])
                x, _ = load_batch(tiles, part, tile_size, rng, augment, device, augment)
                rows.append(analysis_latents(net, x).cpu().numpy().astype(np.float16))
                progress(v * len(index) + start + len(part), total, "caching latents", stage=3)
            chunks.append(np.concatenate(rows))
    finally:
        net.train(was_training)
    return LatentCache(index, np.stack(chunks, axis=1))
