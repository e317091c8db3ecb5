"""Encoding tile batches on a Dask cluster (``scicbir compress --cluster ADDRESS``).

Only the encoding moves. The client (the process running ``compress``) still reads and
normalises every tile and writes the packs and the catalog: the pack is ``fsync``ed before the
source's one catalog transaction commits, which is what makes a kill at any moment safe, and
that ordering can only be kept by one writer. The streams are a few hundred bytes per tile, so
bringing them back to the client costs nothing next to the encoding. ``DaskBatchEncoder`` is
another ``TileBatchEncoder``: results come back in input order with a bounded number of batches
in flight, so the archive is the one a single process writes, and memory stays flat.

``ADDRESS`` is a scheduler address (``tcp://host:8786``: the user asked for the network) or
``local:N``: a ``LocalCluster`` of N single-threaded worker processes on this machine, bound
to the loopback, started and closed by the command (the engine opens no port on the network
unless asked to). Each worker loads the model once (``worker_codec``, torch at one thread, as
the pool workers) and keeps it, keyed by package path, rate point and checksum.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scicbir.archive.encoder import Batch, EncodedResult, encode_batch, worker_codec
from scicbir.errors import InputError, UserFacingError
from scicbir.progress import CancelToken

LOCAL_PREFIX = "local:"
#: Transports of ``distributed`` that reach a scheduler in another process.
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
#: Seconds to reach a scheduler before giving up with an ``InputError``.
CONNECT_TIMEOUT_S = 10.0
#: Seconds to wait for a first worker on a scheduler that has none.
WORKERS_TIMEOUT_S = 120.0
#: Seconds between two looks at the ``CancelToken`` while waiting for a batch.
POLL_S = 0.25
#: Batches in flight per worker thread: one being encoded, one queued behind it.
IN_FLIGHT_PER_THREAD = 2
#: Models a worker keeps loaded (about 0.5 GB each); a long-lived cluster may serve several.
CACHED_MODELS = 2

_ADDRESS = re.compile(r"^(?P<scheme>[a-z]+)://(?P<host>\[[^\]]+\]|[^:/\s]+)(:(?P<port>\d+))?/?$")


class ClusterError(InputError):
    """The cluster cannot be used (unreachable, no workers, lost mid-run, workers without the
    engine or the model): it stops the whole batch, like a full disk; committed sources stay."""

    def __reduce__(self):  # keep the fields when a worker raises it
        return (_rebuild_cluster_error, (str(self), dict(self.data)))


def _rebuild_cluster_error(message: str, data: dict[str, Any]) -> ClusterError:
    return ClusterError(message, **data)


def local_workers(cluster: str) -> int | None:
    """N of ``local:N``; None for a scheduler address."""
    if not cluster.startswith(LOCAL_PREFIX):
        return None
    count = cluster[len(LOCAL_PREFIX) :]
    return int(count) if count.isdigit() and int(count) >= 1 else 0


def check_cluster(cluster: str) -> str:
    """``cluster`` as given when it is ``local:N`` (N >= 1) or a scheduler address
    (``tcp://host:8786``), else an ``InputError`` naming the field and both forms."""
    value = cluster.strip() if isinstance(cluster, str) else cluster
    ok = isinstance(value, str) and (
        local_workers(value) if value.startswith(LOCAL_PREFIX) else _is_address(value)
    )
    if not ok:
        raise InputError(
            f"cluster must be a Dask scheduler address such as tcp://host:8786 (schemes: "
            f"{', '.join(SCHEMES)}) or local:N for N worker processes on this machine, "
            f"got {cluster!r}",
            field="cluster",
            cluster=str(cluster),
        )
    return value


def _is_address(value: str) -> bool:
    match = _ADDRESS.match(value)
    return bool(match) and match.group("scheme") in SCHEMES


# ------------------------------------------------------------------ worker side
_CODECS: dict[tuple[str, int | None, str], tuple[Any, threading.Lock]] = {}
_CODECS_LOCK = threading.Lock()


@dataclass
class WorkerFailure:
    """A ``UserFacingError`` raised on a worker, carried back as a value: pickling an
    exception keeps only its message, and the client needs its ``code`` and fields."""

    kind: type
    message: str
    data: dict[str, Any]

    def error(self) -> UserFacingError:
        return self.kind(self.message, **self.data)


def _worker_codec(package_path: str, quality: int | None, checksum: str):
    """This worker's codec of the model (loaded on its first batch, then kept) and its lock:
    a worker with several threads encodes one batch at a time per model (torch at one thread;
    run workers with one thread each and as many processes as cores)."""
    key = (package_path, quality, checksum)
    with _CODECS_LOCK:
        if key not in _CODECS:
            try:
                codec = worker_codec(package_path, quality, threads=1)
            except UserFacingError as exc:
                raise ClusterError(
                    f"a Dask worker cannot load the model package {package_path} ({exc}); every "
                    "worker needs the package at the same path (a shared file system)",
                    reason="cluster_model_missing",
                    model=package_path,
                ) from None
            if str(codec.package.checksum) != checksum:
                raise ClusterError(
                    f"the model package at {package_path} on a Dask worker is not the one this "
                    f"archive uses (weights sha256 {codec.package.checksum}, expected "
                    f"{checksum}); give the workers the same package at the same path",
                    reason="cluster_model_missing",
                    model=package_path,
                )
            while len(_CODECS) >= CACHED_MODELS:
                _CODECS.pop(next(iter(_CODECS)))
            _CODECS[key] = (codec, threading.Lock())
        return _CODECS[key]


def encode_on_worker(
    package_path: str,
    quality: int | None,
    checksum: str,
    tiles: np.ndarray,
    masks: list,
    valid: list,
    with_psnr: bool,
) -> list[EncodedResult] | WorkerFailure:
    """One batch, encoded on a Dask worker as ``encode_batch`` encodes it in-process."""
    codec, lock = _worker_codec(package_path, quality, checksum)
    try:
        with lock:
            return encode_batch(codec, tiles, masks, valid, with_psnr)
    except UserFacingError as exc:  # e.g. latents out of range: fails that source only
        return WorkerFailure(type(exc), str(exc), dict(exc.data))


def engine_version() -> str:
    """The ``scicbir`` version a worker imports (run on each worker before encoding)."""
    import scicbir

    return str(scicbir.__version__)


# ------------------------------------------------------------------ client side
def connect(cluster: str):
    """(client, LocalCluster or None) for ``cluster``; ``ClusterError`` when the scheduler
    cannot be reached within ``CONNECT_TIMEOUT_S``, naming the address and the fix."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(
            f"--cluster needs dask.distributed, which is not installed here ({exc}); install "
            "the engine's requirements (engine/requirements.txt)",
            reason="cluster_unreachable",
            cluster=cluster,
        ) from exc
    n = local_workers(cluster)
    if n is not None:
        local = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",  # the loopback only: no port on the network
            dashboard_address=None,
            worker_dashboard_address=None,
            # the scheduler's HTTP routes (health, metrics) listen anyway: a free loopback port
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        )
        try:
            return Client(local, set_as_default=False), local
        except BaseException:
            local.close()
            raise
    try:
        client = Client(cluster, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {cluster} within {CONNECT_TIMEOUT_S:.0f} s "
            f"({exc}); start it (`dask scheduler`, or a SLURMCluster / Kubernetes deployment, "
            "see docs/cluster.md) and check the address, the port and that this machine can "
            "reach it, or use --cluster local:N to run N workers on this machine",
            reason="cluster_unreachable",
            cluster=cluster,
        ) from exc
    try:
        _check_workers(client, cluster)
    except BaseException:
        client.close()
        raise
    return client, None


def _check_workers(client, cluster: str) -> None:
    """Wait for a first worker, then check every worker imports this engine's version."""
    import scicbir

    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except TimeoutError as exc:
        raise ClusterError(
            f"the Dask scheduler at {cluster} has no workers after {WORKERS_TIMEOUT_S:.0f} s; "
            f"start them (`dask worker {cluster} --nthreads 1`) and run the same command again",
            reason="cluster_unreachable",
            cluster=cluster,
        ) from exc
    try:
        versions = client.run(engine_version)
    except Exception as exc:
        raise ClusterError(
            f"the workers of {cluster} cannot import the scicbir engine ({exc}); install the "
            "same engine on every worker (see docs/cluster.md)",
            reason="cluster_failed",
            cluster=cluster,
        ) from exc
    other = {w: v for w, v in versions.items() if v != scicbir.__version__}
    if other:
        raise ClusterError(
            f"workers of {cluster} run another scicbir version ({other}) than this engine "
            f"({scicbir.__version__}); install the same engine on every worker",
            reason="cluster_failed",
            cluster=cluster,
        )


class DaskBatchEncoder:
    """Encodes batches on a Dask cluster; ``map`` yields results in input order.

    At most ``IN_FLIGHT_PER_THREAD`` batches per worker thread are submitted ahead of the
    one the caller waits for (at least two), so the client holds a bounded number of tiles
    however large the raster. A worker that dies has its batches rescheduled by Dask; a
    cluster that fails (a batch killed its workers again and again, the scheduler is gone)
    raises ``ClusterError``. ``cancel`` cancels the pending batches at once.
    """

    def __init__(
        self,
        package,
        cluster: str,
        with_psnr: bool = True,
        cancel: CancelToken | None = None,
    ) -> None:
        from scicbir.archive.store import _package_path

        self.cluster = check_cluster(cluster)
        self.with_psnr = with_psnr
        self.cancel = cancel
        self._model = (
            _package_path(package),
            getattr(package, "quality", None),
            str(package.checksum),
        )
        self._pending: deque = deque()
        self._limit = (0.0, 2)  # (when looked up, batches in flight)
        self._client, self._local = connect(self.cluster)

    @property
    def client(self):
        return self._client

    def in_flight(self) -> int:
        """Batches to keep submitted: per worker thread now in the cluster (looked up at most
        every two seconds: an adaptive cluster grows and shrinks)."""
        when, limit = self._limit
        if time.monotonic() - when > 2.0:
            threads = sum(self._client.nthreads().values())
            limit = max(2, IN_FLIGHT_PER_THREAD * threads)
            self._limit = (time.monotonic(), limit)
        return limit

    def map(self, batches: Iterable[Batch]) -> Iterator[tuple[object, list[EncodedResult]]]:
        """``batches`` of (tiles, masks, valid sizes, tag) -> (tag, results), in order."""
        try:
            for tiles, masks, valid, tag in batches:
                future = self._client.submit(
                    encode_on_worker,
                    *self._model,
                    tiles,
                    masks,
                    valid,
                    self.with_psnr,
                    pure=False,
                )
                self._pending.append((tag, future))
                while len(self._pending) > self.in_flight():
                    yield self._next()
            while self._pending:
                yield self._next()
        finally:  # the caller stopped early (an error, a cancel): drop what is still queued
            self._cancel_pending()

    def _next(self) -> tuple[object, list[EncodedResult]]:
        tag, future = self._pending[0]
        result = self._result(future)
        self._pending.popleft()
        future.release()
        if isinstance(result, WorkerFailure):
            raise result.error()
        return tag, result

    def _result(self, future):
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        while True:
            if self.cancel is not None and self.cancel.cancelled:
                self._cancel_pending()
                self.cancel.raise_if_cancelled("compress")
            try:
                return future.result(timeout=POLL_S)
            except TimeoutError:  # not done yet: look at the cancel token again
                continue
            except (KilledWorker, FutureCancelledError, OSError) as exc:
                raise ClusterError(
                    f"the Dask cluster at {self.cluster} failed while encoding "
                    f"({type(exc).__name__}: {exc}); the sources committed so far are kept: "
                    "check the workers' logs and memory, then run the same command again",
                    reason="cluster_failed",
                    cluster=self.cluster,
                ) from exc

    def _cancel_pending(self) -> None:
        if self._pending and self._client is not None:
            futures = [future for _, future in self._pending]
            self._pending.clear()
            try:
                self._client.cancel(futures)
            except Exception:  # a client that lost its scheduler: nothing left to cancel
                pass

    def close(self) -> None:
        """Cancel what is pending, disconnect, and stop a ``local:N`` cluster's processes."""
        self._cancel_pending()
        client, local = self._client, self._local
        self._client = self._local = None
        try:
            if client is not None:
                client.close()
        finally:
            if local is not None:
                _close_quietly(local)


def _close_quietly(local) -> None:
    """Stop a ``local:N`` cluster. Every result is in by then, so a worker still busy exiting
    (interpreter teardown of torch takes seconds on loaded cores) is simply killed by its nanny
    after four seconds: not worth the nanny's warning on every run."""
    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    nanny.setLevel(logging.ERROR)
    try:
        local.close()
    finally:
        nanny.setLevel(level)
