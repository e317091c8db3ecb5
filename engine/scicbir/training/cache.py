"""The pre-processing cache: every sample decoded once into a memory-mapped float16 array.

Decoding GeoTIFFs/JPEGs, cubic upsampling and normalising cost far more than a training step of
a compact model on a CPU, so they are done once and stored as ``tiles.f16`` (n, C, S, S),
normalised, next to ``labels.u8`` (n, |L|) and ``meta.json``. Epochs read slices of the memmap
(the OS page cache keeps it in memory when it fits). The folder name is a fingerprint of the
file list, file sizes and times, and every pre-processing option, so a changed dataset or
option builds a new cache instead of silently reusing a stale one. The cache is written to a
temporary folder and renamed when complete: an interrupted build never leaves a half cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.training.datasets import SourceSamples

CACHE_VERSION = 1


@dataclass
class TileCache:
    """Opened cache: tiles (memmap, float16), multi-hot labels, keys, band and label names."""

    folder: Path
    tiles: np.ndarray
    labels: np.ndarray
    keys: list[str]
    prescribed: list[str | None]
    bands: tuple[str, ...]
    label_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.keys)


def _normalisation(value: list[float] | float, n: int, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float32).reshape(-1)
    if arr.size == 1:
        arr = np.repeat(arr, n)
    if arr.size != n:
        raise InputError(f"data.{what} has {arr.size} values but the data has {n} bands")
    return arr


def fit_to_size(x: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop or reflect-pad a (C, h, w) array to (C, size, size)."""
    c, h, w = x.shape
    if h > size:
        top = (h - size) // 2
        x = x[:, top : top + size]
    if w > size:
        left = (w - size) // 2
        x = x[:, :, left : left + size]
    ph, pw = size - x.shape[1], size - x.shape[2]
    if ph > 0 or pw > 0:
        mode = "reflect" if min(x.shape[1:]) > max(ph, pw) else "edge"
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)), mode=mode)
    return x


def resample(x: np.ndarray, size: int) -> np.ndarray:
    """Anti-aliased bilinear resampling of (C, h, w) to (C, size, size)."""
    if x.shape[1:] == (size, size):
        return x
    import torch

    t = torch.from_numpy(np.ascontiguousarray(x))[None]
    return torch.nn.functional.interpolate(t, size=(size, size), mode="bilinear", antialias=True)[
        0
    ].numpy()


def fingerprint(sources: SourceSamples, sample_size: int, offset, scale) -> str:
    """SHA-256 of everything that decides the cache's content."""
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_VERSION, sample_size, list(map(float, offset))]).encode())
    h.update(json.dumps([list(map(float, scale)), sources.bands, sources.label_names]).encode())
    for sample, resize in zip(sources.samples, sources.resize, strict=True):
        stats = []
        for p in sample.paths:
            st = os.stat(p)
            stats.append((Path(p).name, st.st_size, int(st.st_mtime)))
        h.update(json.dumps([sample.key, sample.labels, resize, stats]).encode())
    return h.hexdigest()[:20]


def open_cache(folder: Path) -> TileCache:
    """Open a complete cache folder."""
    meta = json.loads((folder / "meta.json").read_text())
    n, c, s = meta["count"], len(meta["bands"]), meta["sample_size"]
    tiles = np.memmap(folder / "tiles.f16", dtype=np.float16, mode="r", shape=(n, c, s, s))
    labels = np.fromfile(folder / "labels.u8", dtype=np.uint8).reshape(n, len(meta["labels"]))
    return TileCache(
        folder,
        tiles,
        labels,
        meta["keys"],
        meta["prescribed"],
        tuple(meta["bands"]),
        tuple(meta["labels"]),
    )


def build_or_open(
    sources: SourceSamples,
    cache_root: str | Path,
    sample_size: int,
    offset: list[float] | float,
    scale: list[float] | float,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> TileCache:
    """Open the cache for these samples and options, building it first when absent."""
    progress = progress or no_progress
    nb = len(sources.bands)
    off = _normalisation(offset, nb, "normalisation_offset")
    sc = _normalisation(scale, nb, "normalisation_scale")
    if np.any(sc == 0):
        raise InputError("data.normalisation_scale must not contain 0")
    root = Path(cache_root)
    folder = root / fingerprint(sources, sample_size, off, sc)
    if (folder / "meta.json").is_file():
        return open_cache(folder)
    tmp = root / (folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n = len(sources.samples)
    try:
        tiles = np.memmap(
            tmp / "tiles.f16", dtype=np.float16, mode="w+", shape=(n, nb, sample_size, sample_size)
        )
        labels = np.zeros((n, len(sources.label_names)), dtype=np.uint8)
        index = {name: j for j, name in enumerate(sources.label_names)}
        for i, sample in enumerate(sources.samples):
            if cancel is not None and i % 32 == 0:
                cancel.raise_if_cancelled("building the training cache")
            x = sources.read(i)
            if x.shape[0] != nb:
                raise InputError(f"'{sample.paths[0]}' gave {x.shape[0]} bands, expected {nb}")
            if sources.resize[i]:
                x = resample(x, int(sources.resize[i]))
            x = (x - off[:, None, None]) / sc[:, None, None]
            tiles[i] = fit_to_size(x, sample_size).astype(np.float16)
            for name in sample.labels:
                labels[i, index[name]] = 1
            if i % 16 == 0 or i == n - 1:
                progress(i + 1, n, "caching tiles", stage="cache")
        tiles.flush()
        del tiles
        labels.tofile(tmp / "labels.u8")
        meta = {
            "version": CACHE_VERSION,
            "count": n,
            "sample_size": sample_size,
            "bands": list(sources.bands),
            "labels": list(sources.label_names),
            "keys": [s.key for s in sources.samples],
            "prescribed": [s.split for s in sources.samples],
            "normalisation_offset": off.tolist(),
            "normalisation_scale": sc.tolist(),
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        if folder.exists():  # built meanwhile by another process
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return open_cache(folder)
