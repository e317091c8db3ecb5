"""Small randomly initialised model packages for tests, demos and benchmarks.

A random network codes and hashes exactly like a trained one (same code paths, real
bitstreams), only worse; that is all a test of plumbing needs, and it takes well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scicbir.models.config import (
    BIGEARTHNET_S2_BANDS,
    BIGEARTHNET_S2_MAX,
    RGB_BANDS,
    BandSpec,
    ModelConfig,
)
from scicbir.models.package import ModelPackage


def _bands(bands: int | Sequence[str | BandSpec]) -> tuple[BandSpec, ...]:
    if isinstance(bands, int):
        if bands == 3:
            return RGB_BANDS
        if bands == 12:
            return BIGEARTHNET_S2_BANDS
        return tuple(BandSpec(f"band{i + 1}") for i in range(bands))
    known = {b.name: b for b in BIGEARTHNET_S2_BANDS + RGB_BANDS}
    return tuple(b if isinstance(b, BandSpec) else known.get(b, BandSpec(b)) for b in bands)


def make_random_package(
    path: str | Path,
    bands: int | Sequence[str | BandSpec] = 3,
    tile_size: int = 64,
    N: int = 32,
    M: int = 32,
    hash_bits: int = 32,
    seed: int = 0,
    *,
    K: int = 3,
    hash_hidden: int = 64,
    hash_side: str = "encoder",
    hash_taps: Sequence[int] = (),
    hash_tap_pooling: str = "mean",
    labels: Sequence[str] = (),
    scale: float | Sequence[float] | None = None,
    name: str | None = None,
    latent_std: float = 4.0,
) -> ModelPackage:
    """Write a package with random weights (seeded: same arguments, same checksum) and load it.

    ``bands``: a count (3 = RGB names, 12 = BigEarthNet-S2 names) or band names. ``scale``: the
    normalisation divisor (default 255 for 3 bands, 20566 for the BigEarthNet bands, else 1).
    ``latent_std``: a fresh network's latents are ~0.01 and would all round to 0; the last
    analysis convolution is scaled so that latents of [0, 1] inputs have this standard
    deviation, giving streams with real symbols to code.
    """
    import torch

    from scicbir.models.network import SciCbirNet

    specs = _bands(bands)
    if scale is None:
        names = [b.name for b in specs]
        if names == [b.name for b in BIGEARTHNET_S2_BANDS]:
            scale = BIGEARTHNET_S2_MAX
        elif len(specs) == 3:
            scale = 255.0
        else:
            scale = 1.0
    scales = [float(scale)] * len(specs) if isinstance(scale, int | float) else list(scale)
    config = ModelConfig(
        name=name or f"random-{len(specs)}b-t{tile_size}-n{N}-q{hash_bits}-s{seed}",
        bands=specs,
        tile_size=tile_size,
        N=N,
        M=M,
        K=K,
        hash_bits=hash_bits,
        hash_hidden=hash_hidden,
        hash_side=hash_side,
        hash_taps=tuple(hash_taps),
        hash_tap_pooling=hash_tap_pooling,
        labels=tuple(labels),
        normalisation_scale=tuple(scales),
        description="Randomly initialised network for tests: codes and hashes, does not retrieve.",
    )
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        net = SciCbirNet(config)
        _calibrate_latents(net, latent_std)
    finally:
        torch.random.set_rng_state(state)
    card = (
        f"# {config.name}\n\nRandomly initialised (seed {seed}); not trained. For tests and "
        "benchmarks of the code paths only.\n"
    )
    return ModelPackage.save(net, config, path, card)


def _calibrate_latents(net: object, latent_std: float) -> None:
    """Scale the last convolution of ``g_a`` so latents of uniform inputs have ``latent_std``."""
    import torch

    if latent_std <= 0:
        return
    cfg = net.config  # type: ignore[attr-defined]
    side = cfg.padded_size
    conv = net.g_a[7]  # type: ignore[attr-defined]
    with torch.no_grad():
        x = torch.rand(2, cfg.num_bands, side, side)
        before = net.g_a[:8](x).std().item()  # type: ignore[attr-defined]
        if before > 0:
            conv.weight.mul_(latent_std / before)
            conv.bias.mul_(latent_std / before)
