"""Long-running service methods as jobs in worker threads.

A job method (``compress``, ``index.rebuild``, ``train``, ``eval``) answers at once with a job id;
the work runs in its own thread, reports ``progress`` notifications and ends with one
``job.finished`` notification. Worker threads keep the request loop free, so that queries
(``search``, ``decode``) and ``cancel`` are answered while a job runs: torch and faiss release
the GIL inside their kernels.

Cancel is cooperative: ``cancel`` sets the job's ``CancelToken`` and the engine function raises
``CancelledError`` at its next safe point, after leaving its archive or checkpoint consistent, so
that starting the same job again continues where it stopped.

Two jobs that write the same thing (the same archive folder, the same training output) would
corrupt it; each job names the resource it writes and a second job on a busy resource is refused.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scicbir.errors import CancelledError, UserFacingError
from scicbir.progress import CancelToken, Progress
from scicbir.service.protocol import INTERNAL_ERROR, MessageWriter

log = logging.getLogger("scicbir.service.jobs")

JobFunction = Callable[[Progress, CancelToken], Any]

#: Minimum seconds between two progress notifications of one job (the first and last always go).
PROGRESS_INTERVAL = 0.1
#: Finished jobs kept for the ``jobs`` method.
KEEP_FINISHED = 100

_current = threading.local()


def current_job_id() -> str | None:
    """The id of the job running in this thread (used to tag log notifications)."""
    return getattr(_current, "job", None)


class BusyError(UserFacingError):
    """Another job is writing the same archive or training output."""

    code = "busy"


@dataclass
class JobPlan:
    """What a job method hands to the registry after validating its params."""

    run: JobFunction
    resource: str | None = None  # e.g. "archive:/abs/path"; None when the job writes nothing shared
    describe: dict[str, Any] = field(default_factory=dict)  # echoed in ``jobs`` (paths, model...)


@dataclass
class Job:
    id: str
    method: str
    plan: JobPlan
    token: CancelToken = field(default_factory=CancelToken)
    state: str = "queued"  # queued | running | done | failed | cancelled
    progress: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: dict[str, Any] | None = None
    started: float = field(default_factory=time.time)
    ended: float | None = None
    thread: threading.Thread | None = None
    _last_sent: float = 0.0
    _last_message: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def summary(self) -> dict[str, Any]:
        """The job as listed by the ``jobs`` method."""
        end = self.ended or time.time()
        return {
            "job": self.id,
            "method": self.method,
            "state": self.state,
            "resource": self.plan.resource,
            "params": self.plan.describe,
            "progress": self.progress or None,
            "result": self.result,
            "error": self.error,
            "started": self.started,
            "ended": self.ended,
            "elapsed_s": round(end - self.started, 3),
            "cancel_requested": self.token.cancelled,
        }


class JobRegistry:
    """Starts, tracks and cancels jobs; sends their notifications through ``writer``."""

    def __init__(self, writer: MessageWriter) -> None:
        self._writer = writer
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._ids = itertools.count(1)

    def create(self, method: str, plan: JobPlan) -> Job:
        """Register a job (not started yet) or raise ``BusyError`` when its resource is in use."""
        with self._lock:
            if plan.resource is not None:
                for other in self._jobs.values():
                    if not other.finished and other.plan.resource == plan.resource:
                        raise BusyError(
                            f"job {other.id} ({other.method}) is already working on "
                            f"{plan.resource.split(':', 1)[-1]}; wait for it or cancel it first",
                            job=other.id,
                        )
            # Unique across engine restarts, so a client never confuses an old job with a new one.
            job = Job(f"{os.getpid()}.{next(self._ids)}", method, plan)
            self._jobs[job.id] = job
            self._forget_old()
        return job

    def start(self, job: Job) -> None:
        """Run ``job`` in a worker thread. Called after the reply carrying its id was sent, so a
        client always learns the id before the job's first notification."""
        job.state = "running"
        job.thread = threading.Thread(
            target=self._run, args=(job,), name=f"scicbir-job-{job.id}", daemon=True
        )
        job.thread.start()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is not None and not job.finished:
            job.token.cancel()
        return job

    def cancel_all(self) -> None:
        for job in self.list():
            if not job.finished:
                job.token.cancel()

    def wait_all(self, timeout: float) -> bool:
        """Wait for running jobs to end; True when none is left running."""
        deadline = time.monotonic() + timeout
        for job in self.list():
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))
        return all(job.finished or job.thread is None for job in self.list())

    # ------------------------------------------------------------------ worker side

    def _run(self, job: Job) -> None:
        _current.job = job.id
        try:
            job.token.raise_if_cancelled(job.method)
            result = job.plan.run(self._progress_sink(job), job.token)
        except CancelledError as exc:
            self._finish(job, "cancelled", error=_error(exc.code, str(exc), exc.data))
        except UserFacingError as exc:
            self._finish(job, "failed", error=_error(exc.code, str(exc), exc.data))
        except Exception as exc:  # a failing job must never take the service down
            log.error("job %s (%s) failed:\n%s", job.id, job.method, traceback.format_exc())
            self._finish(
                job, "failed", error=_error(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
            )
        else:
            self._finish(job, "done", result=result)
        finally:
            _current.job = None

    def _progress_sink(self, job: Job) -> Progress:
        def progress(done: int, total: int, message: str = "", **figures: Any) -> None:
            job.progress = {"done": done, "total": total, "message": message, "figures": figures}
            now = time.monotonic()
            last = done >= total > 0
            # Throttle repeats only: a new message (the next source, the next stage) is always
            # sent, so the plugin never misses which file or stage the job is on.
            repeat = message == job._last_message
            if not last and repeat and job._last_sent and now - job._last_sent < PROGRESS_INTERVAL:
                return
            job._last_sent = now
            job._last_message = message
            try:
                self._writer.notify(
                    "progress", {"job": job.id, "method": job.method, **job.progress}
                )
            except Exception:  # progress must never raise into the engine function
                log.debug("progress notification failed", exc_info=True)

        return progress

    def _finish(
        self, job: Job, state: str, result: Any = None, error: dict[str, Any] | None = None
    ) -> None:
        job.result, job.error, job.ended = result, error, time.time()
        job.state = state
        try:
            self._writer.notify(
                "job.finished",
                {
                    "job": job.id,
                    "method": job.method,
                    "state": state,
                    "result": result,
                    "error": error,
                    "elapsed_s": round(job.ended - job.started, 3),
                },
            )
        except Exception:
            log.error("could not send job.finished for %s", job.id, exc_info=True)

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if j.finished]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]


def _error(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data or None}
