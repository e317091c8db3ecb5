"""Encoding tile batches, in this process or in a pool of worker processes.

The work per batch is the network's analysis transform (torch, multi-threaded), the entropy
coding (single-threaded C++) and, for the per-tile PSNR, a decode of each stream (which also
proves the stream decodes). ``workers=1`` runs it in-process with torch using every core;
``workers=N`` runs N processes, each with ``cores / N`` torch threads, so entropy coding of one
batch overlaps the transforms of another. The caller reads rasters and writes the archive in
its own process either way; batches come back in submission order.

Worker processes end with the process that started them, however it ends (``kill -9``, an OOM
kill, a crash): each holds a model and torch (about 0.5 GB), and the plugin restarts a dead
engine, so workers left behind would add up. On Linux the kernel kills them
(``PR_SET_PDEATHSIG``); elsewhere a watchdog thread ends a worker once its parent is gone. They
also ignore Ctrl-C: the parent stops cleanly and shuts the pool down itself.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass
class EncodedResult:
    stream: bytes
    code: bytes
    logits: bytes
    psnr: float | None


def psnr(
    reference: np.ndarray, decoded: np.ndarray, mask: np.ndarray | None, valid: tuple[int, int]
) -> float:
    """PSNR (dB) over the valid, non-nodata pixels, peak = 1 (the nominal normalised range),
    at most 100 dB (``scicbir.codec.metrics.psnr``)."""
    from scicbir.codec.metrics import psnr as metric

    h, w = valid
    return metric(reference[:, :h, :w], decoded[:, :h, :w], mask=mask, cap=100.0)


def encode_batch(
    codec, tiles: np.ndarray, masks: list, valid: list, with_psnr: bool
) -> list[EncodedResult]:
    encoded = codec.encode(tiles)
    decoded = codec.decode_many([item.stream for item in encoded]) if with_psnr else None
    results = []
    for k, item in enumerate(encoded):
        quality = psnr(tiles[k], decoded[k], masks[k], valid[k]) if decoded is not None else None
        logits = np.asarray(item.logits, dtype="<f4").tobytes()
        results.append(EncodedResult(bytes(item.stream), bytes(item.code), logits, quality))
    return results


_WORKER_CODEC = None
#: prctl option: signal sent to this process when its parent dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1
#: Seconds between two checks of the watchdog that ends an orphaned worker.
WATCHDOG_INTERVAL_S = 1.0


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) ends, even by ``kill -9``.

    Linux: the kernel sends SIGKILL at the parent's death (``PR_SET_PDEATHSIG``); set after the
    process started, so a parent that died before is caught by the pid check that follows.
    Everywhere: a daemon thread polls the parent's pid (an orphan is re-parented, so its parent
    pid changes) and exits the process, for systems without ``prctl``.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl (unusual libc): the watchdog still works
            pass
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_INTERVAL_S)
        os._exit(1)

    threading.Thread(target=watch, name="scicbir-parent-watchdog", daemon=True).start()


def worker_codec(package_path: str, quality: int | None, threads: int):
    """The codec an encoding process outside the caller's works with: the package loaded from
    ``package_path`` at rate point ``quality``, the codec's default backend choice, torch and
    the codec's transform threads (``transform_threads``) at ``threads`` threads. The one rule for pool workers and Dask workers
    (``scicbir.archive.cluster``), so both write the streams an in-process run writes."""
    import torch

    from scicbir.codec import TileCodec, transform_threads
    from scicbir.models import ModelPackage

    torch.set_num_threads(threads)
    transform_threads.use_workers(threads)
    return TileCodec(ModelPackage.load(package_path).at_quality(quality))


def _init_worker(package_path: str, quality: int | None, threads: int, parent_pid: int) -> None:
    global _WORKER_CODEC
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent handles it and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_CODEC = worker_codec(package_path, quality, threads)


def _worker_batch(
    tiles: np.ndarray, masks: list, valid: list, with_psnr: bool
) -> list[EncodedResult]:
    return encode_batch(_WORKER_CODEC, tiles, masks, valid, with_psnr)


#: A batch as the caller hands it over: normalised tiles (B, C, h, w), nodata masks, valid
#: (height, width) per tile, and a tag returned with its results.
Batch = tuple[np.ndarray, list, list, object]


class TileBatchEncoder(Protocol):
    """What ``compress`` needs from an encoder: ``map`` yields (tag, results) in input order,
    ``close`` releases its processes. ``BatchEncoder`` (in-process or a process pool) and
    ``scicbir.archive.cluster.DaskBatchEncoder`` (a Dask cluster) implement it."""

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[object, list[EncodedResult]]]: ...

    def close(self) -> None: ...


class BatchEncoder:
    """Encodes batches of normalised tiles; ``map`` yields results in input order."""

    def __init__(self, package, codec_factory, workers: int = 1, with_psnr: bool = True) -> None:
        self.workers = max(1, int(workers))
        self.with_psnr = with_psnr
        self._pool = None
        self._codec = None
        if self.workers == 1:
            self._codec = codec_factory()
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from scicbir.archive.store import _package_path

            threads = max(1, (os.cpu_count() or 1) // self.workers)
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(
                    _package_path(package),
                    getattr(package, "quality", None),
                    threads,
                    os.getpid(),
                ),
            )

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[object, list[EncodedResult]]]:
        """``batches`` of (tiles, masks, valid sizes, tag) -> (tag, results), in order."""
        if self._pool is None:
            for tiles, masks, valid, tag in batches:
                yield tag, encode_batch(self._codec, tiles, masks, valid, self.with_psnr)
            return
        pending: deque = deque()
        for tiles, masks, valid, tag in batches:
            pending.append(
                (tag, self._pool.submit(_worker_batch, tiles, masks, valid, self.with_psnr))
            )
            while len(pending) > 2 * self.workers:
                tag0, future = pending.popleft()
                yield tag0, future.result()
        while pending:
            tag0, future = pending.popleft()
            yield tag0, future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
