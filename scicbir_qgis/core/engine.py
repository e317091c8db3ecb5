"""The plugin's access to the engine process: one shared client, calls and jobs with cancel.

All engine work goes through here so that the panel, the dialogs and the Processing algorithms
share one engine process (the model stays loaded between queries), use the interpreter from the
settings, send the engine's log to the "SCI-CBIR" log tab, and turn a failed start into the
first-run message instead of a traceback.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from ..engine_client import EngineClient, EngineError, EngineStartError, EngineTimeoutError
from . import log
from .i18n import tr
from .settings import PluginSettings

POLL_S = 0.2
Progress = Callable[[dict], None]
IsCancelled = Callable[[], bool]


class EngineUnavailableError(Exception):
    """The engine could not be started; ``str()`` is the first-run message for the user."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class JobCancelledError(Exception):
    """The user cancelled the work; nothing is shown as an error."""


def first_run_message(python: str, reason: str = "") -> str:
    """What a user sees when the engine does not start: what is wrong and what to do."""
    text = tr(
        "The SCI-CBIR engine could not be started with the Python '{python}'. "
        "Run 'bash scripts/setup.sh' in the SCI-CBIR folder to install it, or set "
        "'Engine Python' in Settings > Options > SCI-CBIR to a Python where the scicbir "
        "package is installed, then press 'Check engine'."
    ).format(python=python)
    if reason:
        text += " " + tr("Reason: {reason}").format(reason=reason)
    return text


# faiss announces which CPU build it loads ("Loading faiss with AVX512 support", "Could not load
# library with AVX512 support due to: ModuleNotFoundError(...swigfaiss_avx512...)"); harmless,
# it falls back to another build, but alarming in the log tab, so it goes to the debug level.
_FAISS_LOADER = re.compile(
    r"(faiss with AVX|faiss\.loader|load(ing|ed)? faiss|library with AVX\d*|swigfaiss_avx"
    r"|No module named 'faiss\.swigfaiss)",
    re.IGNORECASE,
)


def is_loader_noise(line: str) -> bool:
    """True for faiss's messages about which of its CPU builds it loaded."""
    return bool(_FAISS_LOADER.search(line))


def _log_stderr(line: str) -> None:
    text = line.rstrip()
    if is_loader_noise(text):
        log.debug(text)
    else:
        log.info(text)


class EngineSession:
    """One engine client per interpreter path, started on first use and kept running."""

    def __init__(self) -> None:
        self._client: EngineClient | None = None
        self._lock = threading.Lock()

    def client(self, python: str | None = None) -> EngineClient:
        """The running client for ``python`` (default: the setting); starts it when needed.

        Raises ``EngineUnavailableError`` with the first-run message when it cannot start.
        """
        settings = PluginSettings.load()
        python = python or settings.engine_python
        with self._lock:
            if self._client is not None and self._client.python != python:
                self._stop_locked()
            if self._client is None:
                problem = (
                    settings.engine_python_problem() if python == settings.engine_python else None
                )
                if problem:
                    raise EngineUnavailableError(first_run_message(python, problem))
                self._client = EngineClient(python, {"OMP_NUM_THREADS": "2"}, on_stderr=_log_stderr)
            client = self._client
        try:
            client.start()
        except EngineStartError as exc:
            details = exc.stderr_tail or ""
            log.critical(f"{exc}\n{details}")
            raise EngineUnavailableError(first_run_message(python, str(exc)), details) from None
        except OSError as exc:
            raise EngineUnavailableError(first_run_message(python, str(exc))) from None
        return client

    def hello(self, python: str | None = None) -> dict:
        """Start the engine if needed and return its ``hello`` plus ``info`` (versions, device)."""
        client = self.client(python)
        answer = dict(client.hello or {})
        try:
            answer.update(client.call("info", timeout=60))
        except EngineError as exc:
            log.warning(f"info failed: {exc}")
        return answer

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        is_cancelled: IsCancelled | None = None,
        timeout: float = 0,
    ) -> Any:
        """A query (``search``, ``decode``, ``models``...): waits for the reply in this thread.

        The engine cannot stop a query half-way, so cancel stops waiting for it and raises
        ``JobCancelledError`` at once; the late reply is dropped.
        """
        client = self.client()
        if is_cancelled is None:
            return client.call(method, params, timeout=timeout)
        box: dict[str, Any] = {}
        done = threading.Event()

        def worker() -> None:
            try:
                box["result"] = client.call(method, params, timeout=timeout)
            except BaseException as exc:  # handed over to the waiting thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=worker, name=f"scicbir-{method}", daemon=True).start()
        while not done.wait(POLL_S):
            if is_cancelled():
                raise JobCancelledError(method)
        if "error" in box:
            raise box["error"]
        return box["result"]

    def run_job(
        self,
        method: str,
        params: dict[str, Any],
        on_progress: Progress | None = None,
        is_cancelled: IsCancelled | None = None,
    ) -> Any:
        """Start a job (``compress``, ``train``...) and wait for its result in this thread.

        ``on_progress`` gets each progress event (``done, total, message, figures``). When
        ``is_cancelled()`` turns true the engine is asked to cancel; the job stops at its next
        safe point and ``JobCancelledError`` is raised.
        """
        client = self.client()
        job = client.start_job(method, params, on_progress=on_progress)
        cancel_sent = False
        # A job that fails after a cancel request (it reached an error first) reports the error.
        while True:
            try:
                return client.wait_job(job, timeout=POLL_S)
            except EngineTimeoutError:
                pass
            except EngineError as exc:
                if exc.cancelled:
                    raise JobCancelledError(method) from None
                raise
            if not cancel_sent and is_cancelled is not None and is_cancelled():
                cancel_sent = True
                try:
                    client.cancel(job, timeout=30)
                except EngineError as exc:
                    log.warning(f"cancel of job {job} failed: {exc}")

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._client is not None:
            try:
                self._client.stop()
            except Exception as exc:  # stopping must never raise into QGIS's unload
                log.warning(f"engine stop: {exc}")
            self._client = None


_SESSION = EngineSession()


def session() -> EngineSession:
    """The engine session shared by the panel, dialogs and Processing algorithms."""
    return _SESSION
