"""Evaluate a model package on a dataset: real bitstreams and the thesis retrieval protocol.

Compression (thesis 4.2): every test tile is encoded into a real rANS bitstream and decoded;
bpp counts the bytes of the stream, PSNR/SSIM/SA compare the decoded tile with the original
in the model's normalised range (peak 1). Retrieval (thesis 5.1): every validation tile is a
query against the test tiles as the archive, R = 8 retrieved: precision/recall of eqs. 4.8-4.9,
plus mAP@k. With ``decoder_side`` the archive's codes are computed from the latents decoded
from the streams (retrieval in the compressed domain, Table 5.7). Everything is returned as one
JSON-ready dict.

With ``evaluation.protocol: archive-tiles`` the test images are cut on the tile grid at their
own resolution, as an archive stores them: compression figures are over those tiles, and every
tile queries all the others with the tiles of its own image excluded (neighbouring tiles of one
scene look alike and would flatter retrieval).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.errors import InputError, ModelMismatchError
from scicbir.progress import CancelToken, Progress, no_progress


def _tiles(cache, index: np.ndarray, size: int) -> np.ndarray:
    """Centre crops of at most ``size`` px (smaller samples are left as they are: the codec pads)."""
    s = cache.tiles.shape[-1]
    side = min(s, size)
    o = (s - side) // 2
    return np.asarray(cache.tiles[np.sort(index)][:, :, o : o + side, o : o + side], np.float32)


def _grid_tiles(cache, index: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every sample of ``index`` cut on a centred grid of ``size`` px tiles, as an archive cuts
    a raster at its own resolution: (tiles (n, C, size, size) float32, row of each tile's
    sample). Samples not larger than ``size`` give one tile (the codec pads it)."""
    s = cache.tiles.shape[-1]
    per = max(1, s // size)
    side = min(s, size)
    o = (s - per * side) // 2
    rows = np.sort(index)
    data = np.asarray(cache.tiles[rows], np.float32)
    tiles, owner = [], []
    for i in range(per):
        for j in range(per):
            y, x = o + i * side, o + j * side
            tiles.append(data[:, :, y : y + side, x : x + side])
            owner.append(rows)
    order = np.argsort(np.concatenate(owner), kind="stable")  # tiles of one sample together
    return np.concatenate(tiles)[order], np.concatenate(owner)[order]


def _spread(indices: np.ndarray, n: int) -> np.ndarray:
    """At most ``n`` of ``indices``, evenly spaced over the whole (sorted) list."""
    if len(indices) <= n:
        return indices
    return indices[np.linspace(0, len(indices) - 1, n).round().astype(int)]


def evaluate(
    model: Any,
    data: Any,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    *,
    split: str = "test",
    query_split: str = "val",
    max_samples: int | None = None,
    device: str = "auto",
    decoder_side: bool = False,
    batch_size: int = 16,
) -> dict[str, Any]:
    """Figures of ``model`` (name, package folder or ``ModelPackage``) on the dataset of the
    training configuration ``data`` (path or ``TrainConfig``); see the module docstring."""
    from scicbir.codec import TileCodec
    from scicbir.codec.metrics import mean_metrics, tile_metrics
    from scicbir.environment import select_device
    from scicbir.models.package import ModelPackage
    from scicbir.models.registry import resolve_model
    from scicbir.training.cache import build_or_open
    from scicbir.training.config import TrainConfig, load_config
    from scicbir.training.datasets import open_sources
    from scicbir.training.retrieval import retrieval_metrics
    from scicbir.training.splits import SPLIT_CODE, assign_splits

    progress = progress or no_progress
    cfg = data if isinstance(data, TrainConfig) else load_config(data)
    package = model if isinstance(model, ModelPackage) else resolve_model(str(model))
    mc = package.config
    sources = open_sources(cfg.data)
    if list(sources.bands) != mc.band_names:
        raise ModelMismatchError(
            f"model '{mc.name}' takes bands {mc.band_names} but the dataset of "
            f"'{cfg.source_file}' has {list(sources.bands)}; evaluate a model made for these bands"
        )
    for s in (split, query_split):
        if s not in SPLIT_CODE:
            raise InputError(f"split '{s}' is not one of {list(SPLIT_CODE)}")
    cache_root = Path(cfg.data.cache_dir) if cfg.data.cache_dir else Path(cfg.output) / "cache"
    cache = build_or_open(
        sources,
        cache_root,
        cfg.data.sample_size,
        list(mc.normalisation_offset),
        list(mc.normalisation_scale),
        progress,
        cancel,
    )
    keys = [k.split(":", 1)[-1] for k in cache.keys]
    splits = assign_splits(
        keys, cache.prescribed, cfg.data.train_fraction, cfg.data.val_fraction, cfg.data.split_salt
    )
    test_idx = np.flatnonzero(splits == SPLIT_CODE[split])
    query_idx = np.flatnonzero(splits == SPLIT_CODE[query_split])
    if max_samples:
        # Spread the cap over the whole split: the cache is ordered by key (class folders in
        # alphabetical order), so the first n samples would hold only the first classes and
        # leave the queries of the other classes without relevant tiles.
        test_idx, query_idx = _spread(test_idx, max_samples), _spread(query_idx, max_samples)
    if len(test_idx) == 0:
        raise InputError(f"the '{split}' split of '{cfg.source_file}' is empty; add samples")
    codec = TileCodec(package, device=select_device(device), batch_size=batch_size)
    archive_tiles = cfg.evaluation.protocol == "archive-tiles"
    if archive_tiles:
        tiles, owner = _grid_tiles(cache, test_idx, mc.tile_size)
    else:
        owner = np.sort(test_idx)
        tiles = None

    rows: list[dict[str, float]] = []
    logits: list[np.ndarray] = []
    streams: list[bytes] = []
    t_enc = t_dec = 0.0
    n = len(owner)
    for start in range(0, n, batch_size):
        if cancel is not None:
            cancel.raise_if_cancelled("evaluation")
        if tiles is not None:
            x = tiles[start : start + batch_size]
        else:
            x = _tiles(cache, np.sort(test_idx)[start : start + batch_size], mc.tile_size)
        t0 = time.perf_counter()
        encoded = codec.encode(x)
        t1 = time.perf_counter()
        decoded = codec.decode_many([e.stream for e in encoded])
        t_dec += time.perf_counter() - t1
        t_enc += t1 - t0
        for xi, e, di in zip(x, encoded, decoded, strict=True):
            rows.append(tile_metrics(xi, di, e.num_bytes))
            logits.append(e.logits)
            streams.append(e.stream)
        progress(min(start + batch_size, n), n, f"evaluating on the {split} split", stage="eval")
    archive_logits = np.stack(logits)
    if decoder_side:
        archive_logits = codec.codes_from_streams(streams).logits
    result: dict[str, Any] = {
        "model": mc.name,
        "checksum": package.checksum,
        "data": cfg.source_file,
        "split": split,
        "test_samples": int(len(test_idx)),
        "test_tiles": int(n),
        "protocol": cfg.evaluation.protocol,
        "compression": mean_metrics(rows),
        "timing": {
            "encode_s_per_tile": t_enc / n,
            "decode_s_per_tile": t_dec / n,
            "device": str(codec.device),
        },
    }
    labels = cache.labels
    if archive_tiles and labels.shape[1]:
        keep = labels[owner].sum(axis=1) > 0
        ev = cfg.evaluation
        result["retrieval"] = retrieval_metrics(
            archive_logits[keep],
            labels[owner[keep]],
            archive_logits[keep],
            labels[owner[keep]],
            ev.retrieved,
            ev.map_at,
            groups=(owner[keep], owner[keep]),
        )
        result["retrieval"]["queries"] = int(keep.sum())
        result["retrieval"]["query_split"] = f"{split} (archive tiles, own image excluded)"
        result["retrieval"]["codes"] = "decoder side" if decoder_side else "encoder side"
        return result
    q_keep = query_idx[labels[query_idx].sum(axis=1) > 0] if labels.shape[1] else query_idx[:0]
    if len(q_keep) and labels.shape[1]:
        order = np.sort(test_idx)  # _tiles reads rows in sorted order
        q_logits = codec.hash(_tiles(cache, q_keep, mc.tile_size)).logits
        ev = cfg.evaluation
        result["retrieval"] = retrieval_metrics(
            q_logits,
            labels[np.sort(q_keep)],
            archive_logits,
            labels[order],
            ev.retrieved,
            ev.map_at,
        )
        result["retrieval"]["queries"] = int(len(q_keep))
        result["retrieval"]["query_split"] = query_split
        result["retrieval"]["codes"] = "decoder side" if decoder_side else "encoder side"
    return result
