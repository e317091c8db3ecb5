"""Label-free stage 3: the hashing part retrained on an archive's own tiles.

A user's archive has no class labels, but it has what a contrastive objective needs: many tiles,
each of which can be shown in several versions that mean the same ground (cropped, flipped,
rotated by 90 degrees, slightly brighter or darker in one band), and tiles that lie next to each
other in one scene, which mostly show the same kind of land (Tobler's first law; Tile2Vec, Jean
et al., AAAI 2019, learns remote-sensing features from exactly that). The codec stays fixed, so
the analysis transform is a fixed function: every archive tile is decoded once, turned into
``variants`` augmented versions, and their latents are cached (as the supervised stage 3 caches
them, ``scicbir.training.latent_cache``). A fresh hash network is then trained on positive pairs
with ``contrastive_hash_losses`` (NT-Xent on the codes with a straight-through sign, as CIBHash
does, plus bit balance and quantisation): two versions of the same tile, or, for a fraction
``neighbour_pairs`` of the tiles that have one, a version of the tile and one of a tile within
``neighbour_radius`` tiles of it in the same source raster. Neighbours are never each other's
negatives. Version 0 of every tile is the tile as decoded; the codes the archive gets come from
it.

Why decoded tiles and not the sources: the archive holds the bitstreams, the sources may be gone
or changed. The decoded tile is what the archive can always give back, at the archive's PSNR.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress, no_progress


@dataclass
class ArchiveViews:
    """Latents (float16, (n, variants, N, h, w)) of ``tile_ids``; variant 0 is the tile itself.

    ``places`` (n, 3) int64: each tile's source raster and grid column and row (its pixel offset
    over the tile size), which say which tiles are neighbours (``neighbours``)."""

    tile_ids: np.ndarray
    latents: np.ndarray
    places: np.ndarray | None = None

    @property
    def variants(self) -> int:
        return int(self.latents.shape[1])

    def __len__(self) -> int:
        return int(self.latents.shape[0])

    def neighbours(self, radius: int) -> list[np.ndarray]:
        """For each tile, the rows of the other tiles of its source raster at most ``radius``
        tiles away (Chebyshev distance on the tile grid); empty lists without ``places``."""
        if self.places is None or radius < 1:
            return [np.zeros(0, dtype=np.int64) for _ in range(len(self))]
        where = {tuple(p): i for i, p in enumerate(self.places.tolist())}
        steps = range(-radius, radius + 1)
        offsets = [(dc, dr) for dr in steps for dc in steps if (dc, dr) != (0, 0)]
        return [
            np.array(
                [
                    where[key]
                    for dc, dr in offsets
                    if (key := (source, col + dc, row + dr)) in where
                ],
                dtype=np.int64,
            )
            for source, col, row in self.places.tolist()
        ]

    def near(self, rows: np.ndarray, radius: int) -> np.ndarray:
        """(len(rows), len(rows)) bool: pairs of ``rows`` in one source within ``radius``
        tiles of each other (a tile is near itself); all False but the diagonal without
        ``places``."""
        if self.places is None or radius < 1:
            return np.eye(len(rows), dtype=bool)
        p = self.places[rows]
        distance = np.maximum(
            np.abs(p[:, None, 1] - p[None, :, 1]), np.abs(p[:, None, 2] - p[None, :, 2])
        )
        return (p[:, None, 0] == p[None, :, 0]) & (distance <= radius)


@dataclass
class SelfSupervisedSettings:
    """How the hashing part is adapted. Defaults measured on AID (docs/training.md)."""

    steps: int = 3000
    batch_size: int = 128
    variants: int = 8
    lr: float = 1e-3
    temperature: float = 0.3
    balance_weight: float = 0.1
    quantisation_weight: float = 0.1
    #: Fraction of the tiles with a neighbour whose positive is a neighbouring tile (0: only
    #: versions of the same tile, as before), and how far a neighbour may be, in tiles.
    neighbour_pairs: float = 0.5
    neighbour_radius: int = 1
    max_tiles: int = 20000
    seed: int = 0
    log_every: int = 50

    def validate(self) -> None:
        """``InputError`` naming the setting (``field``) that cannot work."""
        if self.steps < 1:
            raise InputError("self-supervised steps must be at least 1", field="steps")
        if self.batch_size < 4:
            raise InputError(
                "self-supervised batch size must be at least 4 (contrastive pairs)",
                field="batch_size",
            )
        if self.variants < 2:
            raise InputError(
                "self-supervised training needs at least 2 versions per tile", field="variants"
            )
        if self.max_tiles < 4:
            raise InputError("max_tiles must be at least 4", field="max_tiles")
        if not 0.0 <= self.neighbour_pairs <= 1.0:
            raise InputError(
                "neighbour_pairs is a fraction between 0 and 1", field="neighbour_pairs"
            )
        if self.neighbour_radius < 0:
            raise InputError("neighbour_radius must be 0 or more tiles", field="neighbour_radius")


@dataclass
class HeadTraining:
    """The trained hashing part (``hash_head.*`` tensors) and the learning curve."""

    head: dict[str, Tensor]
    curve: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0


def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random version of each tile of ``x`` (B, C, T, T), normalised values.

    A crop of 50-100 % of the side resized back to T (the same ground at another scale), one of
    the 8 symmetries of the square, and a per-band gain of +-5 % (atmosphere, illumination).
    """
    b, c, t, _ = x.shape
    out = np.empty_like(x)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    for i in range(b):
        side = int(rng.integers(t // 2, t + 1))
        top, left = rng.integers(0, t - side + 1, size=2)
        tile = xt[i : i + 1, :, top : top + side, left : left + side]
        if side != t:
            tile = torch.nn.functional.interpolate(
                tile, size=(t, t), mode="bilinear", align_corners=False
            )
        arr = tile[0].numpy()
        if rng.random() < 0.5:
            arr = arr[:, :, ::-1]
        arr = np.rot90(arr, int(rng.integers(0, 4)), axes=(1, 2))
        gain = rng.uniform(0.95, 1.05, size=(c, 1, 1)).astype(np.float32)
        out[i] = arr * gain
    return out


@torch.no_grad()
def archive_views(
    archive: Any,
    codec: Any,
    settings: SelfSupervisedSettings,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> ArchiveViews:
    """Decode the archive's tiles (at most ``max_tiles``, drawn at random) and cache the latents
    of ``variants`` versions of each. Edge tiles (smaller than the model's tile) are left out:
    their padded border would teach the network the border, not the ground."""
    from scicbir.training.latent_cache import analysis_latents

    progress = progress or no_progress
    size = codec.config.tile_size
    tiles = [t for t in archive.catalog.tiles() if t.valid_width == size and t.valid_height == size]
    if len(tiles) < 4:
        raise InputError(
            f"archive {archive.folder} has {len(tiles)} whole tiles; self-supervised training "
            "needs at least 4 (compress more rasters into it first)",
            archive=str(archive.folder),
        )
    rng = np.random.default_rng(settings.seed)
    if len(tiles) > settings.max_tiles:
        keep = np.sort(rng.choice(len(tiles), settings.max_tiles, replace=False))
        tiles = [tiles[i] for i in keep]
    net = codec.net
    n, v = len(tiles), settings.variants
    latents: np.ndarray | None = None
    batch = 32
    for start in range(0, n, batch):
        if cancel is not None:
            cancel.raise_if_cancelled("preparing the archive's tiles")
        part = tiles[start : start + batch]
        pixels = np.stack(codec.decode_many([archive.read_stream(t) for t in part]))
        for k in range(v):
            x = pixels if k == 0 else augment(pixels, rng)
            y = analysis_latents(net, torch.from_numpy(np.ascontiguousarray(x)).to(codec.device))
            if latents is None:
                latents = np.zeros((n, v, *y.shape[1:]), dtype=np.float16)
            latents[start : start + len(part), k] = y.cpu().numpy().astype(np.float16)
        progress(start + len(part), n, "decoding and encoding the archive's tiles", stage=3)
    assert latents is not None
    places = np.array([(t.source_id, t.col // size, t.row // size) for t in tiles], np.int64)
    return ArchiveViews(np.array([t.id for t in tiles], dtype=np.int64), latents, places)


def fresh_head(config: Any, seed: int) -> nn.Module:
    """A newly initialised hashing part of the model's kind (no trace of the old codes)."""
    from scicbir.models.hashing import HashHead

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return HashHead.for_config(config)


def code_balance(logits: np.ndarray) -> float:
    """Mean over bits of |fraction of ones - 0.5| * 2: 0 = every bit splits the tiles in
    half, 1 = every bit is constant."""
    if len(logits) == 0:
        return 1.0
    ones = (np.asarray(logits) >= 0).mean(axis=0)
    return float(np.mean(np.abs(ones - 0.5) * 2.0))


def train_head(
    config: Any,
    views: ArchiveViews,
    settings: SelfSupervisedSettings,
    device: str = "cpu",
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    log: Path | None = None,
) -> HeadTraining:
    """Train a fresh hashing part on positive pairs: versions of the same tile or of
    neighbouring tiles (see the module docstring). The curve holds, every ``log_every`` steps:
    the loss terms, the code balance of version 0 and the fraction of bits two versions of a
    tile agree on (on up to 512 tiles never used for a step's negatives in that row; both are
    label-free)."""
    from scicbir.training.losses import contrastive_hash_losses

    progress = progress or no_progress
    settings.validate()
    head = fresh_head(config, settings.seed).to(device)
    opt = torch.optim.Adam(head.parameters(), lr=settings.lr)
    decay_from = int(settings.steps * 0.8)
    rng = np.random.default_rng(settings.seed + 1)
    n, v = len(views), views.variants
    batch = min(settings.batch_size, n)
    probe = np.sort(rng.choice(n, min(512, n), replace=False))
    neighbours = views.neighbours(settings.neighbour_radius)
    curve: list[dict[str, float]] = []
    writer = None
    handle = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        handle = open(log, "w", newline="")
    t0 = time.perf_counter()
    try:
        for step in range(1, settings.steps + 1):
            if cancel is not None:
                cancel.raise_if_cancelled("self-supervised training")
            if step == decay_from + 1:
                for group in opt.param_groups:
                    group["lr"] = settings.lr * 0.1
            rows = rng.choice(n, batch, replace=False)
            pair = np.stack([rng.choice(v, 2, replace=False) for _ in rows])
            partners = _partners(rows, neighbours, settings.neighbour_pairs, rng)
            head.train()
            u1 = head.logits(_latents(views, rows, pair[:, 0], device))
            u2 = head.logits(_latents(views, partners, pair[:, 1], device))
            near = views.near(np.concatenate([rows, partners]), settings.neighbour_radius)
            contrastive, balance, quantisation = contrastive_hash_losses(
                u1, u2, settings.temperature, torch.from_numpy(near).to(device)
            )
            loss = (
                contrastive
                + settings.balance_weight * balance
                + settings.quantisation_weight * quantisation
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % settings.log_every == 0 or step == settings.steps:
                row = {
                    "step": float(step),
                    "loss": float(loss.detach()),
                    "loss_contrastive": float(contrastive.detach()),
                    "loss_balance": float(balance.detach()),
                    "loss_quantisation": float(quantisation.detach()),
                    **_probe(head, views, probe, device),
                    "seconds": round(time.perf_counter() - t0, 3),
                }
                curve.append(row)
                if handle is not None:
                    if writer is None:
                        writer = csv.DictWriter(handle, fieldnames=list(row))
                        writer.writeheader()
                    writer.writerow(row)
                    handle.flush()
            figures = {}
            if curve and curve[-1]["step"] == step:  # the curves of the dialog and the log
                figures = {
                    k: curve[-1][k] for k in ("loss_contrastive", "code_balance", "view_agreement")
                }
            progress(
                step, settings.steps, "training the hashing part (no labels)", stage=3, **figures
            )
    finally:
        if handle is not None:
            handle.close()
    head.eval()
    state = {f"hash_head.{k}": t.detach().cpu() for k, t in head.state_dict().items()}
    return HeadTraining(state, curve, time.perf_counter() - t0, settings.steps)


def _partners(
    rows: np.ndarray, neighbours: list[np.ndarray], fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """The tile whose version is each row's positive: a random neighbour for ``fraction`` of
    the rows that have one, the row itself otherwise."""
    out = rows.copy()
    if fraction <= 0.0:
        return out
    for i, row in enumerate(rows):
        near = neighbours[row]
        if near.size and rng.random() < fraction:
            out[i] = near[rng.integers(near.size)]
    return out


def _latents(views: ArchiveViews, rows: np.ndarray, variant: np.ndarray, device) -> Tensor:
    return torch.from_numpy(views.latents[rows, variant].astype(np.float32)).to(device)


@torch.no_grad()
def _probe(head: nn.Module, views: ArchiveViews, rows: np.ndarray, device) -> dict[str, float]:
    head.eval()
    u0 = head.logits(_latents(views, rows, np.zeros(len(rows), dtype=np.int64), device))
    u1 = head.logits(_latents(views, rows, np.ones(len(rows), dtype=np.int64), device))
    agree = float(((u0 >= 0) == (u1 >= 0)).float().mean())
    head.train()
    return {"code_balance": code_balance(u0.cpu().numpy()), "view_agreement": agree}


@torch.no_grad()
def logits_of(head_state: dict[str, Tensor], config: Any, latents: np.ndarray) -> np.ndarray:
    """Hash logits (float32, (n, bits)) of latents (n, N, h, w) under a trained hashing part."""
    head = fresh_head(config, 0)
    head.load_state_dict({k.removeprefix("hash_head."): t for k, t in head_state.items()})
    head.eval()
    out = [
        head.logits(torch.from_numpy(latents[i : i + 256].astype(np.float32))).numpy()
        for i in range(0, len(latents), 256)
    ]
    return np.concatenate(out).astype(np.float32)
