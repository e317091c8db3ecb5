"""Drive the engine process (``python -m scicbir serve``, or a command such as
``ssh gpu-box .../scicbir serve``) over JSON lines.

The plugin never imports torch or the engine package: it starts the engine's own interpreter (or
the configured command, see ``command.py``) as a child process and talks to it through this
client (see docs/protocol.md). Pure standard library, no Qt, so it can be imported by QGIS's
Python, by tests and by scripts alike.

For an engine on another machine, path params are translated by the path mapping
(``paths.py``) on the way out and answers on the way back, here and only here; a heartbeat
(``ping`` when nothing was heard for a while) notices a dropped connection, which then fails the
outstanding work with the command and its last stderr lines; the next request starts the
command again.

Threads: a reader thread parses the engine's stdout (replies and notifications) and a second one
collects stderr (the engine's log). Callbacks (``on_notification``, ``on_progress``, ``on_done``,
``on_stderr``) run on those reader threads: keep them short, and in a GUI hand their data over to
the main thread (a Qt signal) instead of touching widgets from them.
"""

from __future__ import annotations

import collections
import itertools
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .command import SERVE_ARGS, EngineCommand, parse_engine_setting
from .environment import clean_environment
from .errors import (
    EngineDiedError,
    EngineError,
    EngineStartError,
    EngineTimeoutError,
    RemotePathError,
)
from .paths import PathMap, Translation, unseen_path

log = logging.getLogger("scicbir_qgis.engine_client")

#: The protocol version this client speaks (``protocol_v1``); ``hello`` must report the same.
from .protocol_v1 import PROTOCOL_VERSION  # noqa: E402

Notification = Callable[[str, dict], None]
#: Seconds between two looks at a query's cancel flag while waiting for its reply.
CANCEL_POLL_S = 0.1
ProgressCallback = Callable[[dict], None]
DoneCallback = Callable[[dict], None]
#: Seconds without a line from a command engine before the client pings it.
HEARTBEAT_S = 20.0
#: Seconds a command engine may then stay silent before the connection counts as lost.
HEARTBEAT_TIMEOUT_S = 60.0
#: Stderr lines of the engine quoted in an error message (all of them are in ``stderr_tail``).
QUOTED_LINES = 12

SETUP_HINT = (
    "Run 'bash scripts/setup.sh' in the SCI-CBIR repository to create the engine's Python "
    "(.venv/bin/python), or set 'Engine Python' in Settings > Options > SCI-CBIR to a Python "
    "where the scicbir package is installed."
)
COMMAND_HINT = (
    "An engine command must start 'scicbir serve' and leave stdin/stdout to the protocol, e.g. "
    "'ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve' with a key that logs in without a "
    "password prompt; run it in a terminal to see what it says (docs/remote-engine.md)."
)


@dataclass
class _Pending:
    """A request waiting for its reply."""

    method: str
    event: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: EngineError | None = None
    # Set for requests that start a job: the reader registers the job before it reads on.
    job_callbacks: tuple[ProgressCallback | None, DoneCallback | None] | None = None
    proc: subprocess.Popen | None = None  # the engine process the request was sent to
    translations: tuple[Translation, ...] = ()  # its path params, local and as sent


@dataclass
class JobState:
    """What the client knows about one engine job (updated by the reader thread)."""

    job: str
    method: str
    state: str = "running"  # running | done | failed | cancelled | lost
    progress: dict | None = None
    result: Any = None
    error: EngineError | None = None
    on_progress: ProgressCallback | None = None
    on_done: DoneCallback | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    proc: subprocess.Popen | None = field(default=None, repr=False)
    translations: tuple[Translation, ...] = field(default=(), repr=False)


class EngineClient:
    """One engine child process, started on demand and restarted after it dies.

    ``python`` is the engine's interpreter (run with ``args``), or, with ``command``, the
    setting text of a command line that is run as given instead (``for_setting`` reads the
    plugin's engine setting either way); ``env`` holds extra environment variables for the child
    (applied after QGIS's own variables have been removed, see
    ``environment.clean_environment``). ``path_map`` translates path params and answers for an
    engine that sees the files under other folders. ``heartbeat_s``: seconds of silence before
    a ``ping`` (default: ``HEARTBEAT_S`` for a command, off for a local Python, whose death
    the pipe reports at once); no line within ``heartbeat_timeout`` more ends the process.
    """

    def __init__(
        self,
        python: str,
        env: Mapping[str, str] | None = None,
        *,
        args: Sequence[str] = SERVE_ARGS,
        command: Sequence[str] | None = None,
        path_map: PathMap | None = None,
        cwd: str | None = None,
        start_timeout: float = 120.0,
        default_timeout: float = 60.0,
        heartbeat_s: float | None = None,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT_S,
        on_notification: Notification | None = None,
        on_stderr: Callable[[str], None] | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.python = python
        #: The command line run instead of ``python args`` (None: a local Python).
        self.command: tuple[str, ...] | None = tuple(command) if command else None
        #: Translates path params to the engine's folders and answers back (may be replaced
        #: between requests; an empty map changes nothing).
        self.path_map = path_map if path_map is not None else PathMap()
        if heartbeat_s is None:
            heartbeat_s = HEARTBEAT_S if self.command else 0.0
        self.heartbeat_s = heartbeat_s
        self.heartbeat_timeout = heartbeat_timeout
        self.extra_env = dict(env or {})
        self.base_env = base_env
        self.args = list(args)
        self.cwd = cwd
        self.start_timeout = start_timeout
        self.default_timeout = default_timeout
        #: Called as ``on_notification(method, params)`` for every notification.
        self.on_notification = on_notification
        #: Called with each line the engine writes to stderr (its log).
        self.on_stderr = on_stderr
        #: The ``hello`` result of the running engine (protocol, engine version, pid...).
        self.hello: dict | None = None
        #: How many times the engine was started after the first start.
        self.restarts = 0
        self._starts = 0
        self._proc: subprocess.Popen | None = None
        self._lock = threading.RLock()  # start/stop
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()  # _pending and _jobs
        self._pending: dict[int, _Pending] = {}
        self._jobs: dict[str, JobState] = {}
        self._ids = itertools.count(1)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._stderr_done = threading.Event()
        self._stopping = False
        self._last_heard = time.monotonic()
        self._lost: dict[int, str] = {}  # pid -> why the client ended that process

    @classmethod
    def for_setting(cls, setting: str | EngineCommand, *args: Any, **kwargs: Any) -> EngineClient:
        """A client for the plugin's engine setting: a Python path or a command line
        (``command.parse_engine_setting``; raises ``ValueError`` for an empty or unreadable
        one). Other arguments as for the constructor."""
        parsed = setting if isinstance(setting, EngineCommand) else parse_engine_setting(setting)
        if parsed.is_python:
            return cls(parsed.program, *args, **kwargs)
        return cls(parsed.setting, *args, command=parsed.argv, **kwargs)

    @property
    def is_command(self) -> bool:
        """True when the engine is a command line (e.g. through ssh), not a local Python."""
        return self.command is not None

    @property
    def description(self) -> str:
        """The engine as messages name it: its Python, or its command line."""
        if self.command is not None:
            return f"the engine command '{shlex.join(self.command)}'"
        return f"the engine Python '{self.python}'"

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> EngineClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def alive(self) -> bool:
        """True while the engine process is running."""
        proc = self._proc
        return proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        """Process id of the running engine, or None."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def stderr_tail(self) -> str:
        """The last lines the engine wrote to stderr (for error messages and bug reports)."""
        return "\n".join(self._stderr_tail)

    def start(self) -> dict:
        """Start the engine if it is not running and return its ``hello`` result.

        Raises ``EngineStartError`` when the interpreter is missing, cannot import ``scicbir``, or
        speaks another protocol version; the message says what to do.
        """
        with self._lock:
            if self.alive and self.hello is not None:
                return self.hello
            self._kill_quietly()
            argv = list(self.command) if self.command else [self._resolve_python(), *self.args]
            self._stderr_tail.clear()
            self._stderr_done = threading.Event()
            self._stopping = False
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=clean_environment(self.base_env, self.extra_env),
                    cwd=self.cwd,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                    bufsize=1,
                    **_platform_popen_options(),
                )
            except OSError as exc:
                raise EngineStartError(
                    f"cannot run {self.description}: {exc}. {self._hint}",
                    python=self.python,
                ) from None
            self._proc = proc
            self._last_heard = time.monotonic()
            threading.Thread(
                target=self._read_stdout, args=(proc,), name="scicbir-engine-out", daemon=True
            ).start()
            threading.Thread(
                target=self._read_stderr,
                args=(proc, self._stderr_done),
                name="scicbir-engine-err",
                daemon=True,
            ).start()
            if self._starts:
                self.restarts += 1
            self._starts += 1
            try:
                hello = self._request("hello", {}, self.start_timeout, start=False)
            except EngineDiedError as exc:
                self._stderr_done.wait(5)
                raise self._start_failure(exc.returncode) from None
            except EngineTimeoutError:
                self._kill_quietly()
                raise EngineStartError(
                    f"{self.description} did not answer within {self.start_timeout:g} s"
                    + (f". {COMMAND_HINT}" if self.command else "")
                    + f"\nEngine log:\n{self.stderr_tail}",
                    self.stderr_tail,
                    self.python,
                ) from None
            except EngineError as exc:  # an error reply to hello: a broken engine install
                self._kill_quietly()
                raise EngineStartError(
                    f"{self.description} failed to start: {exc.message}. {self._hint}",
                    self.stderr_tail,
                    self.python,
                ) from None
            if not isinstance(hello, dict) or hello.get("protocol") != PROTOCOL_VERSION:
                got = hello.get("protocol") if isinstance(hello, dict) else hello
                self._kill_quietly()
                raise EngineStartError(
                    f"{self.description} speaks protocol {got}, this plugin speaks "
                    f"protocol {PROTOCOL_VERSION}: install the engine and the plugin from the "
                    "same SCI-CBIR version (re-run scripts/setup.sh).",
                    python=self.python,
                )
            self.hello = hello
            if self.heartbeat_s > 0:
                threading.Thread(
                    target=self._heartbeat, args=(proc,), name="scicbir-engine-ping", daemon=True
                ).start()
            return hello

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the engine to shut down (running jobs are cancelled at a safe point); kill it if it
        does not exit within ``timeout`` seconds. Safe to call when it is not running."""
        with self._lock:
            proc = self._proc
            if proc is None:
                return
            self._stopping = True
            if proc.poll() is None:
                try:
                    self._request("shutdown", {}, min(timeout, 5.0), start=False)
                except EngineError:
                    pass
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            self._close_pipes(proc)
            self.hello = None

    def kill(self) -> None:
        """Kill the engine at once (no clean shutdown); the next call starts a new one."""
        with self._lock:
            self._stopping = True
            self._kill_quietly()

    # ------------------------------------------------------------------ requests

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> Any:
        """Send one request and return its result.

        Starts (or restarts) the engine when it is not running. Raises ``EngineError`` for an
        error reply (with the engine's code/message/data), ``EngineTimeoutError`` after
        ``timeout`` seconds (default ``default_timeout``; ``0`` or a negative value waits
        forever), ``EngineDiedError`` when the engine dies before answering. With
        ``is_cancelled``: once it returns True the engine is asked to stop the query
        (``cancel`` with its request id) and ``EngineError`` with code ``cancelled`` is raised at
        once; the late reply is dropped.
        """
        return self._request(method, dict(params or {}), timeout, is_cancelled=is_cancelled)

    def start_job(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        on_progress: ProgressCallback | None = None,
        on_done: DoneCallback | None = None,
        timeout: float | None = None,
    ) -> str:
        """Start a long engine method (``compress``, ``index.rebuild``, ``train``, ``eval``) and
        return its job id at once.

        ``on_progress(event)`` receives each progress notification's params
        (``job, done, total, message, figures``); ``on_done(event)`` receives the final
        ``job.finished`` params (``job, method, state, result, error``) or, when the engine dies,
        a synthetic one with state ``lost``. Use ``wait_job`` to block until the job ends.
        """
        reply = self._request(
            method, dict(params or {}), timeout, job_callbacks=(on_progress, on_done)
        )
        if not isinstance(reply, dict) or "job" not in reply:
            raise EngineError(
                "not_a_job", f"'{method}' did not start a job (reply: {reply!r})", reply, method
            )
        return str(reply["job"])

    def wait_job(self, job: str, timeout: float | None = None) -> Any:
        """Block until ``job`` ends and return its result.

        Raises ``EngineError`` with the job's error (code ``cancelled`` when it was cancelled),
        ``EngineDiedError`` when the engine died while it ran, ``EngineTimeoutError`` when it is
        still running after ``timeout`` seconds (``None`` waits forever; the job keeps running).
        """
        state = self.job(job)
        if not state.finished.wait(timeout):
            raise EngineTimeoutError(f"job {job}", timeout or 0.0)
        if state.error is not None:
            raise state.error
        return state.result

    def job(self, job: str) -> JobState:
        """The client's record of a job started by ``start_job`` in this client."""
        with self._state_lock:
            try:
                return self._jobs[job]
            except KeyError:
                raise KeyError(f"no job '{job}' was started through this client") from None

    def cancel(self, job: str, timeout: float | None = None) -> dict:
        """Ask the engine to cancel ``job`` at its next safe point. Returns the engine's reply;
        the job then ends with state ``cancelled`` (see ``wait_job``)."""
        return self._request("cancel", {"job": job}, timeout, start=False)

    def jobs(self, timeout: float | None = None) -> list[dict]:
        """The engine's list of running and finished jobs (see docs/protocol.md, ``jobs``)."""
        return self.call("jobs", {}, timeout)["jobs"]

    # ------------------------------------------------------------------ internals

    def _request(
        self,
        method: str,
        params: dict,
        timeout: float | None,
        start: bool = True,
        job_callbacks: tuple | None = None,
        is_cancelled: Callable[[], bool] | None = None,
    ) -> Any:
        if start:
            self.start()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            raise EngineDiedError(
                f"the engine is not running (method '{method}')",
                None if proc is None else proc.returncode,
                self.stderr_tail,
            )
        request_id = next(self._ids)
        path_map = self.path_map
        translations: list[Translation] = []
        if path_map:
            params, translations = path_map.translate_params(method, params)
        pending = _Pending(
            method, job_callbacks=job_callbacks, proc=proc, translations=tuple(translations)
        )
        with self._state_lock:
            self._pending[request_id] = pending
        line = json.dumps({"id": request_id, "method": method, "params": params})
        try:
            with self._write_lock:
                assert proc.stdin is not None
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
        except (OSError, ValueError):
            # Broken pipe: the reader thread reports the death; wait briefly for it.
            pending.event.wait(5)
            with self._state_lock:
                self._pending.pop(request_id, None)
            if pending.error is not None:
                raise pending.error from None
            raise EngineDiedError(
                f"the engine stopped before '{method}' could be sent",
                proc.poll(),
                self.stderr_tail,
            ) from None
        wait = self.default_timeout if timeout is None else timeout
        if not self._wait(pending, wait, is_cancelled):
            with self._state_lock:
                self._pending.pop(request_id, None)
            if is_cancelled is not None and is_cancelled():
                try:  # the engine stops the query at its next safe point
                    self._request("cancel", {"request": request_id}, 5, start=False)
                except EngineError:
                    pass
                raise EngineError("cancelled", f"'{method}' cancelled", None, method)
            raise EngineTimeoutError(method, wait)
        if pending.error is not None:
            raise pending.error
        return pending.result

    @staticmethod
    def _wait(pending: _Pending, wait: float | None, is_cancelled) -> bool:
        """Wait for the reply: True when it came, False on timeout or cancel."""
        limit = wait if wait and wait > 0 else None
        if is_cancelled is None:
            return pending.event.wait(limit)
        deadline = None if limit is None else time.monotonic() + limit
        if is_cancelled():
            return False
        while not pending.event.wait(CANCEL_POLL_S):
            if is_cancelled():
                return False
            if deadline is not None and time.monotonic() > deadline:
                return False
        return True

    def _read_stdout(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                if proc is self._proc:
                    self._last_heard = time.monotonic()
                line = line.strip()
                if line:
                    self._dispatch(line)
        except (OSError, ValueError):
            pass
        finally:
            _close_quietly(proc.stdout)
        returncode = proc.wait()
        with self._write_lock:
            _close_quietly(proc.stdin)
        self._stderr_done.wait(2)
        self._engine_ended(proc, returncode)

    def _read_stderr(self, proc: subprocess.Popen, done: threading.Event) -> None:
        assert proc.stderr is not None
        try:
            for line in proc.stderr:
                line = line.rstrip("\n")
                self._stderr_tail.append(line)
                if self.on_stderr is not None:
                    _safe(self.on_stderr, line)
        except (OSError, ValueError):
            pass
        finally:
            _close_quietly(proc.stderr)
            done.set()

    def _dispatch(self, line: str) -> None:
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            log.warning("engine wrote a non-protocol line to stdout: %r", line[:200])
            return
        if not isinstance(message, dict):
            return
        if "id" in message and ("result" in message or "error" in message):
            self._on_reply(message)
        elif "method" in message:
            self._on_notification(str(message["method"]), message.get("params") or {})

    def _on_reply(self, message: dict) -> None:
        with self._state_lock:
            pending = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if pending is None:
            if message.get("id") is None and "error" in message:
                log.warning("engine error without request id: %s", message["error"])
            return
        if "error" in message:
            pending.error = self._error_with_paths(
                message["error"], pending.method, pending.translations
            )
        else:
            pending.result = self.path_map.localise_answer(pending.method, message["result"])
            result = pending.result
            if pending.job_callbacks is not None and isinstance(result, dict) and "job" in result:
                on_progress, on_done = pending.job_callbacks
                job_id = str(result["job"])
                with self._state_lock:
                    self._jobs[job_id] = JobState(
                        job_id,
                        pending.method,
                        on_progress=on_progress,
                        on_done=on_done,
                        proc=pending.proc,
                        translations=pending.translations,
                    )
        pending.event.set()

    def _on_notification(self, method: str, params: dict) -> None:
        failure: EngineError | None = None
        if method == "job.finished":
            state = self._jobs.get(str(params.get("job")))
            error = params.get("error")
            if state is not None and isinstance(error, dict) and params.get("state") == "failed":
                # judged on the engine's own paths, before they are made local
                failure = self._error_with_paths(error, state.method, state.translations)
        params = self.path_map.localise_notification(method, params)
        if method == "progress":
            state = self._jobs.get(str(params.get("job")))
            if state is not None:
                state.progress = params
                if state.on_progress is not None:
                    _safe(state.on_progress, params)
        elif method == "job.finished":
            state = self._jobs.get(str(params.get("job")))
            if state is not None:
                self._finish_job(state, params, failure)
        if self.on_notification is not None:
            _safe(self.on_notification, method, params)

    def _finish_job(
        self, state: JobState, params: dict, failure: EngineError | None = None
    ) -> None:
        state.state = str(params.get("state", "failed"))
        state.result = params.get("result")
        error = failure or params.get("error")
        if state.state != "done":
            state.error = (
                error
                if isinstance(error, EngineError)
                else _error_from(
                    error or {"code": state.state, "message": state.state}, state.method
                )
            )
        state.finished.set()
        if state.on_done is not None:
            _safe(
                state.on_done,
                {k: v for k, v in params.items() if k != "error"}
                | {"error": _error_dict(state.error)},
            )

    def _error_with_paths(
        self, error: Any, method: str, translations: Sequence[Translation]
    ) -> EngineError:
        """An error reply as an exception, its data's paths made local; an engine that could
        not find a path that exists here becomes a ``RemotePathError`` naming both paths."""
        if not isinstance(error, dict):
            return _error_from(error, method)
        unseen = None
        if translations and (self.command or self.path_map):
            message = str(error.get("message") or "")
            unseen = unseen_path(str(error.get("code")), message, error.get("data"), translations)
        data = self.path_map.localise_error_data(error.get("data"))
        engine_error = _error_from({**error, "data": data}, method)
        if unseen is None:
            return engine_error
        return RemotePathError(unseen.param, unseen.local, unseen.remote, engine_error)

    def _heartbeat(self, proc: subprocess.Popen) -> None:
        """Ping the engine when nothing was heard for ``heartbeat_s``; end the process when
        nothing comes back within ``heartbeat_timeout`` more (a dropped ssh connection leaves
        the pipe open, so without this the client would wait for ever)."""
        tick = max(0.05, min(1.0, self.heartbeat_s / 4))
        pinged_at = 0.0
        while True:
            time.sleep(tick)
            if proc is not self._proc or proc.poll() is not None or self._stopping:
                return
            now = time.monotonic()
            silent = now - self._last_heard
            if silent >= self.heartbeat_s + self.heartbeat_timeout:
                reason = f"no answer to the heartbeat for {silent:.0f} s"
                self._lost[proc.pid] = reason
                log.warning("%s: %s; ending it", self.description, reason)
                proc.kill()  # the stdout reader then fails outstanding work
                return
            if silent >= self.heartbeat_s and now - pinged_at >= self.heartbeat_s:
                pinged_at = now
                # sent from its own thread: a write into a stalled connection may block
                threading.Thread(
                    target=self._ping_quietly, name="scicbir-engine-ping-send", daemon=True
                ).start()

    def _ping_quietly(self) -> None:
        try:
            self._request("ping", {}, self.heartbeat_timeout, start=False)
        except EngineError:
            pass  # any answer (even an error) was heard; silence is judged by ``_heartbeat``

    def _ended_text(self, proc: subprocess.Popen, returncode: int) -> str:
        """What happened to an engine that ended without being asked to."""
        lost = self._lost.pop(proc.pid, None)
        if lost is not None:
            return (
                f"{self.description} stopped answering ({lost}: the connection dropped or the "
                "engine hangs) and was ended"
            )
        text = f"{self.description} ended unexpectedly (exit code {returncode})"
        if self.command and returncode == 255:
            text += ", which ssh gives when the connection failed or dropped"
        return text

    def _quoted_log(self) -> str:
        lines = list(self._stderr_tail)[-QUOTED_LINES:]
        if not lines:
            return "It wrote nothing to stderr."
        return "Its last stderr lines:\n" + "\n".join(lines)

    def _engine_ended(self, proc: subprocess.Popen, returncode: int) -> None:
        """Fail every outstanding request and running job of the process that ended (a fresh
        engine may already be running when this reader thread notices the end)."""
        current = proc is self._proc
        stopping = current and self._stopping
        if stopping:
            text = "the engine was stopped"
            quoted = ""
        else:
            text = self._ended_text(proc, returncode)
            quoted = " It is started again with the next request. " + self._quoted_log()
            log.warning("%s; last log lines:\n%s", text, self.stderr_tail)
        with self._state_lock:
            pending = [p for p in self._pending.values() if p.proc is proc]
            for key in [k for k, p in self._pending.items() if p.proc is proc]:
                del self._pending[key]
            running = [s for s in self._jobs.values() if s.proc is proc and not s.finished.is_set()]
        if current:
            self.hello = None
        for item in pending:
            item.error = EngineDiedError(
                f"{text} while waiting for '{item.method}'.{quoted}", returncode, self.stderr_tail
            )
            item.event.set()
        for state in running:
            died = EngineDiedError(
                f"{text} while job {state.job} ({state.method}) was running; start it again "
                f"to continue from where it stopped.{quoted}",
                returncode,
                self.stderr_tail,
            )
            self._finish_job(
                state, {"job": state.job, "method": state.method, "state": "lost", "error": died}
            )
        if self.on_notification is not None and not stopping:
            _safe(
                self.on_notification,
                "engine.died",
                {"returncode": returncode, "stderr": self.stderr_tail, "message": text},
            )

    def _resolve_python(self) -> str:
        python = self.python
        if python and os.path.isfile(python) and os.access(python, os.X_OK):
            return python
        found = shutil.which(python) if python else None
        if found:
            return found
        raise EngineStartError(
            f"the engine Python '{python}' does not exist or is not executable. {SETUP_HINT}",
            python=python,
        )

    @property
    def _hint(self) -> str:
        return COMMAND_HINT if self.command else SETUP_HINT

    def _start_failure(self, returncode: int | None) -> EngineStartError:
        tail = self.stderr_tail
        if self.command is None and (
            "No module named scicbir" in tail or "No module named 'scicbir'" in tail
        ):
            reason = f"the Python '{self.python}' cannot import the scicbir engine package"
        else:
            reason = f"{self.description} exited (code {returncode}) before answering"
        return EngineStartError(f"{reason}. {self._hint}\nEngine log:\n{tail}", tail, self.python)

    def _kill_quietly(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._close_pipes(proc)

    @staticmethod
    def _close_pipes(proc: subprocess.Popen) -> None:
        _close_quietly(proc.stdin)  # stdout/stderr are closed by their reader threads


def _close_quietly(pipe: Any) -> None:
    try:
        if pipe is not None:
            pipe.close()
    except (OSError, ValueError):
        pass


def _error_from(error: Any, method: str | None) -> EngineError:
    if not isinstance(error, dict):
        return EngineError("internal_error", str(error), None, method)
    return EngineError(
        str(error.get("code") or "error"),
        str(error.get("message") or "the engine reported an error"),
        error.get("data"),
        method,
    )


def _error_dict(error: EngineError | None) -> dict | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "data": error.data}


def _safe(callback: Callable[..., Any], *args: Any) -> None:
    """Run a user callback; its failure is logged, never allowed to kill the reader thread."""
    try:
        callback(*args)
    except Exception:
        log.exception("engine client callback failed")


def _platform_popen_options() -> dict[str, Any]:
    """No console window on Windows; a separate process group elsewhere so that Ctrl-C in a
    terminal running QGIS does not kill the engine mid-write."""
    if sys.platform == "win32":
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    return {"start_new_session": True}
