"""Run the codec's transforms on worker threads while the calling thread entropy-codes.

On a machine with few cores neither half of the codec fills it by itself. The entropy coder
(``scicbir.codec.entropy``) runs numpy and compressai's rANS coder on the calling thread, one
core's worth of work; a multi-threaded onnxruntime session, run after it, then competes with
nothing but leaves that core idle while the coder works. Measured on 2 cores (AID 64 px tiles,
``scicbir-rgb-aid`` q4, batches of 16): latent decoding 4.5 ms/tile, synthesis 2.9 ms/tile on a
two-thread session, one after the other 7.4 ms/tile; the synthesis on a one-thread session
(5.2 ms/tile) side by side with the decoding of the next batch 5.7 ms/tile.

So the codec's ONNX sessions run on one thread each, and ``submit`` splits a batch
into chunks run side by side on a pool of worker threads (sessions accept concurrent ``run``
calls), one chunk per core: alone, a batch still uses every core; beside the entropy coder of
the next (or previous) batch, the two share them. The chunks run the same float32 kernels on
the same tiles, so the outputs are the same bits whatever the split (onnxruntime computes each
tile of a batch independently). Torch transforms are not split (torch parallelises inside the
operators), only moved off the calling thread.

One pool serves every codec of the process; it is made on first use and its threads are idle
between batches.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

Transform = Callable[[np.ndarray], tuple[np.ndarray, ...]]

_pool: ThreadPoolExecutor | None = None
_pool_workers = 0
_requested: int | None = None
_pool_lock = threading.Lock()


def worker_count() -> int:
    """Threads for the transforms: ``OMP_NUM_THREADS`` when set (benchmarks and users who share
    a machine set it), else the cores this process may run on."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def use_workers(count: int) -> None:
    """Size the pool for a process that shares the machine with others of its kind (the
    archive's encoding processes, ``scicbir.archive.encoder``, each get ``cores / N``)."""
    global _pool, _requested
    with _pool_lock:
        _requested = max(1, int(count))
        if _pool is not None and _pool_workers != _requested:
            _pool.shutdown(wait=False)  # chunks already running finish on their threads
            _pool = None


def _shared_pool() -> tuple[ThreadPoolExecutor, int]:
    global _pool, _pool_workers
    with _pool_lock:
        if _pool is None:
            _pool_workers = _requested or worker_count()
            _pool = ThreadPoolExecutor(_pool_workers, thread_name_prefix="scicbir-transform")
        return _pool, _pool_workers


class PendingBatch:
    """The outputs of one batch's transform, being computed in chunks on the pool.

    ``seconds``: wall time from the first chunk's start to the last chunk's end (known once
    ``result`` has returned)."""

    def __init__(self, chunks: list[Future]) -> None:
        self._chunks = chunks
        self.seconds = 0.0

    def result(self) -> tuple[np.ndarray, ...]:
        """The transform's outputs for the whole batch, in tile order (re-raises its error)."""
        parts = [chunk.result() for chunk in self._chunks]
        starts = [start for start, _, _ in parts]
        ends = [end for _, end, _ in parts]
        self.seconds = max(ends) - min(starts)
        outputs = [out for _, _, out in parts]
        if len(outputs) == 1:
            return outputs[0]
        return tuple(np.concatenate(column) for column in zip(*outputs, strict=True))


def _timed(transform: Transform, x: np.ndarray) -> tuple[float, float, tuple[np.ndarray, ...]]:
    start = time.perf_counter()
    out = transform(x)
    return start, time.perf_counter(), out


def batch_slices(total: int, size: int, short: str) -> list[slice]:
    """Batches of at most ``size`` of ``total`` tiles for a two-stage pipeline, with a half
    batch where one stage runs alone on a single core while the other waits.

    ``short="first"`` (decoding: the entropy decoder of the first batch runs before any
    synthesis can start) begins with half a batch; ``short="last"`` (encoding: the entropy
    coder of the last batch runs after every analysis has ended) ends with at most half a
    batch. Measured on 2 cores (AID 64 px tiles, batches of 16): decoding 24 tiles 141 ->
    155-172 tiles/s with a half batch first."""
    half = max(1, size // 2)
    if short not in ("first", "last"):
        raise ValueError(f"short must be 'first' or 'last', not {short!r}")
    if total <= 0:
        return []
    if short == "first":
        bounds = [0, min(total, half)]
    else:
        bounds = [0]
    while bounds[-1] < total:
        bounds.append(min(total, bounds[-1] + size))
    if short == "last" and bounds[-1] - bounds[-2] > half:
        bounds.insert(-1, bounds[-1] - (bounds[-1] - bounds[-2]) // 2)
    return [slice(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def pool_size() -> int:
    """Threads of the pool (made now if need be): the most chunks a batch is split into."""
    return _shared_pool()[1]


def submit(transform: Transform, x: np.ndarray, split: bool) -> PendingBatch:
    """Start ``transform`` on batch ``x`` (B, ...) on the pool and return at once.

    ``split``: cut the batch into one chunk per worker (fewer for a batch of fewer tiles),
    for a transform that runs on one thread per call. Even one-tile chunks pay: decoding 2
    tiles went from 78 to 98 tiles/s, 6 tiles from 94 to 121 against chunks of at least 4
    (2 cores, AID 64 px)."""
    pool, workers = _shared_pool()
    count = max(1, min(workers, x.shape[0])) if split else 1
    bounds = np.linspace(0, x.shape[0], count + 1).astype(int)
    return PendingBatch(
        [pool.submit(_timed, transform, x[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    )
