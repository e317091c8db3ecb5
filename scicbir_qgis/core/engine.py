"""The plugin's access to the engine process: one shared client, calls and jobs with cancel.

All engine work goes through here so that the panel, the dialogs and the Processing algorithms
share one engine process (the model stays loaded between queries), use the engine from the
settings (a local Python, or a command such as ``ssh gpu-box .../scicbir serve`` with its path
mapping), send the engine's stderr to the "SCI-CBIR" log tab line by line as it comes (from the
client's reader thread; the log is thread-safe, nothing waits on it), and turn a failed start
into the first-run message instead of a traceback.

A remote engine that died or lost its connection fails the work in progress with the client's
message (the command and its last stderr lines) and is started again by the next request; the
session, and with it everything the plugin shows, stays as it was.
"""

from __future__ import annotations

import re
import shlex
import threading
from collections.abc import Callable
from typing import Any

from ..engine_client import (
    EngineClient,
    EngineError,
    EngineStartError,
    EngineTimeoutError,
    RemotePathError,
)
from ..engine_client.client import COMMAND_HINT, SETUP_HINT
from ..engine_client.command import parse_engine_setting
from ..paths import PLUGIN_DIR
from . import log
from .i18n import tr
from .settings import PluginSettings

POLL_S = 0.2
Progress = Callable[[dict], None]
IsCancelled = Callable[[], bool]


class EngineUnavailableError(Exception):
    """The engine could not be started; ``str()`` is the first-run message for the user and
    ``details`` the full story (interpreter, cause, engine output) behind the message bar's
    details button, so that nothing the user needs is cut off."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class JobCancelledError(Exception):
    """The user cancelled the work; nothing is shown as an error."""


def setup_advice() -> str:
    """What to do about a missing engine, for the way this plugin was installed.

    A plugin running from a repository checkout can point at its own set-up script (by its full
    path); a plugin installed from a ZIP has no such folder, so it is told to install the
    engine package and pick its Python instead.
    """
    script = PLUGIN_DIR.parent / "scripts" / "setup.sh"
    if script.is_file():
        return tr(
            "Run 'bash {script}' to install the engine, or set 'Engine Python' in Settings > "
            "Options > SCI-CBIR to a Python where the scicbir package is installed, then press "
            "'Check engine'."
        ).format(script=script)
    return tr(
        "Install the SCI-CBIR engine (the Python package scicbir, see the plugin's home page) "
        "into a Python 3.11 environment, set 'Engine Python' in Settings > Options > SCI-CBIR to "
        "that Python, then press 'Check engine'."
    )


def command_advice() -> str:
    """What to do about an engine command that does not start (an ssh login, a remote path)."""
    return tr(
        "Check the command in Settings > Options > SCI-CBIR: run it in a terminal, where it "
        "must log in without a password prompt and then wait silently for requests (see "
        "docs/remote-engine.md), then press 'Check engine'."
    )


def is_command(setting: str) -> bool:
    """True when the engine setting is a command line rather than the path of a Python."""
    try:
        return not parse_engine_setting(setting).is_python
    except ValueError:
        return False


def first_run_message(python: str, reason: str = "") -> str:
    """What a user sees when the engine does not start: what is wrong, then what to do, once."""
    if is_command(python):
        text = tr("The SCI-CBIR engine could not be started with the command '{command}'.")
        text = text.format(command=python.strip())
    else:
        text = tr("The SCI-CBIR engine could not be started with the Python '{python}'.")
        text = text.format(python=python)
    if reason:
        text += " " + tr("Reason: {reason}").format(reason=reason)
    return text + " " + (command_advice() if is_command(python) else setup_advice())


def short_reason(message: str) -> str:
    """The cause of a failed start without the client's own set-up advice or its engine log
    (the advice is given once by ``first_run_message``, the log goes to the details)."""
    text = message.split("\nEngine log:", 1)[0].replace(SETUP_HINT, "").replace(COMMAND_HINT, "")
    text = text.strip()
    return text.rstrip(".").strip()


def log_tab_hint() -> str:
    return tr(
        "The engine's own output is in the SCI-CBIR tab of the log panel (View > Panels > Log "
        "Messages)."
    )


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


def path_not_visible_message(exc: RemotePathError) -> str:
    """The user's words for a path the engine's machine cannot see (in the user's language)."""
    if exc.local != exc.remote:
        sent = tr("the path mapping made it '{remote}'").format(remote=exc.remote)
    else:
        sent = tr("no path mapping covers it, so it was sent unchanged")
    return tr(
        "The engine cannot see '{local}' ({sent}), which exists on this machine. Add or correct "
        "a pair in 'Path mapping' (Settings > Options > SCI-CBIR) so that this folder is "
        "reached on the engine's machine, or mount the share there."
    ).format(local=exc.local, sent=sent)


def _worded(exc: RemotePathError) -> RemotePathError:
    return RemotePathError(
        exc.param, exc.local, exc.remote, exc.engine_error, path_not_visible_message(exc)
    )


class EngineSession:
    """One engine client per engine setting (a Python or a command), started on first use and
    kept running; its path mapping follows the settings at every call."""

    def __init__(self) -> None:
        self._client: EngineClient | None = None
        self._setting = ""
        self._lock = threading.Lock()

    def client(self, python: str | None = None) -> EngineClient:
        """The running client for ``python`` (default: the setting); starts it when needed.

        Raises ``EngineUnavailableError`` with the first-run message when it cannot start.
        """
        settings = PluginSettings.load()
        python = (python or settings.engine_python).strip()
        try:
            path_map = settings.path_map()
        except ValueError as exc:
            reason = tr("the path mapping setting is wrong: {reason}").format(reason=exc)
            raise EngineUnavailableError(
                first_run_message(python, reason), _details(python, reason)
            ) from None
        with self._lock:
            if self._client is not None and self._setting != python:
                self._stop_locked()
            if self._client is None:
                problem = (
                    settings.engine_python_problem() if python == settings.engine_python else None
                )
                if problem:
                    raise EngineUnavailableError(
                        first_run_message(python, problem), _details(python, problem)
                    )
                try:
                    self._client = EngineClient.for_setting(
                        python, {"OMP_NUM_THREADS": "2"}, on_stderr=_log_stderr
                    )
                except ValueError as exc:
                    raise EngineUnavailableError(
                        first_run_message(python, str(exc)), _details(python, str(exc))
                    ) from None
                self._setting = python
            client = self._client
            client.path_map = path_map
        try:
            client.start()
        except EngineStartError as exc:
            log.critical(f"{exc}\n{exc.stderr_tail or ''}")
            raise EngineUnavailableError(
                first_run_message(python, short_reason(str(exc))),
                _details(python, str(exc), exc.stderr_tail or ""),
            ) from None
        except OSError as exc:
            raise EngineUnavailableError(
                first_run_message(python, str(exc)), _details(python, str(exc))
            ) from None
        return client

    def hello(self, python: str | None = None) -> dict:
        """Start the engine if needed and return its ``hello`` plus ``info`` (versions, device);
        for a command also ``command`` (the command line as run), next to hello's ``host``."""
        client = self.client(python)
        answer = dict(client.hello or {})
        if client.command is not None:
            answer["command"] = shlex.join(client.command)
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

        Cancel asks the engine to stop the query (a search stops at its next batch of query
        tiles) and raises ``JobCancelledError`` at once; a late reply is dropped.
        """
        client = self.client()
        try:
            return client.call(method, params, timeout=timeout, is_cancelled=is_cancelled)
        except RemotePathError as exc:
            raise _worded(exc) from None
        except EngineError as exc:
            if exc.cancelled and is_cancelled is not None and is_cancelled():
                raise JobCancelledError(method) from None
            raise

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
        try:
            job = client.start_job(method, params, on_progress=on_progress)
        except RemotePathError as exc:
            raise _worded(exc) from None
        cancel_sent = False
        # A job that fails after a cancel request (it reached an error first) reports the error.
        while True:
            try:
                return client.wait_job(job, timeout=POLL_S)
            except EngineTimeoutError:
                pass
            except RemotePathError as exc:
                raise _worded(exc) from None
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


def _details(python: str, cause: str, output: str = "") -> str:
    """The full text behind a failed start: interpreter, whole cause, engine output, log tab."""
    what = (
        tr("Engine command: {command}").format(command=python)
        if is_command(python)
        else tr("Engine Python: {python}").format(python=python)
    )
    parts = [
        what,
        tr("Cause: {cause}").format(cause=cause.strip()),
    ]
    if output.strip() and output.strip() not in cause:
        parts.append(tr("Engine output:") + "\n" + output.strip())
    parts.append(log_tab_hint())
    return "\n\n".join(parts)


_SESSION = EngineSession()


def session() -> EngineSession:
    """The engine session shared by the panel, dialogs and Processing algorithms."""
    return _SESSION
