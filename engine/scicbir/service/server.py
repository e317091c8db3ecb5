"""The request loop of ``scicbir serve``.

stdout is reserved for protocol lines: before anything else runs, ``sys.stdout`` is pointed at
stderr so that a library's stray ``print`` can never corrupt the stream the plugin reads.

The loop reads one request per line and never blocks on work: instant methods are answered on
the spot, queries go to a small thread pool and jobs to worker threads (see ``methods`` and
``jobs``). End of input or ``shutdown`` cancels running jobs (they stop at a safe point), waits
for them and exits with status 0. No network port is ever opened.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from scicbir.errors import UserFacingError
from scicbir.progress import CancelToken
from scicbir.service import protocol
from scicbir.service.availability import NotAvailableError, present
from scicbir.service.cache import ArchiveObjects, LoadedObjects
from scicbir.service.jobs import JobPlan, JobRegistry, current_job_id
from scicbir.service.methods import Method, method_table
from scicbir.service.params import ParamsError

log = logging.getLogger("scicbir.service")

#: Threads answering queries (search, decode, archive.info...) concurrently with jobs.
QUERY_THREADS = 2
#: Seconds a shutdown waits for cancelled jobs to reach their safe point.
SHUTDOWN_GRACE_S = 60.0
#: Longest request line read (characters). Requests carry paths and small parameters; a longer
#: line is refused without being parsed, and no reply or log line ever repeats it.
MAX_LINE_CHARS = 8 * 1024 * 1024
#: Longest error message or logged traceback sent back; the rest is cut (a message that quotes
#: a huge parameter must not come back as a huge line).
MAX_MESSAGE_CHARS = 2000


class Service:
    """Dispatches requests to the method table; owns jobs and loaded objects."""

    def __init__(self, writer: protocol.MessageWriter) -> None:
        self.writer = writer
        self.running = True
        self.methods: dict[str, Method] = method_table()
        self.jobs = JobRegistry(writer)
        self.loaded = LoadedObjects()
        self.objects = ArchiveObjects(self.loaded)
        self._queries = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="scicbir-query")
        # cancel tokens of the queries being answered, by request id (``cancel`` with
        # ``request``); the handler running in a query thread finds its own in ``_current``
        self._query_tokens: dict[Any, CancelToken] = {}
        self._tokens_lock = threading.Lock()
        self._current = threading.local()

    def query_cancel_token(self) -> CancelToken | None:
        """The cancel token of the query this thread answers (None outside a query)."""
        return getattr(self._current, "token", None)

    def cancel_query(self, request_id: Any) -> bool:
        """Ask the query ``request_id`` to stop at its next safe point; False when it is not
        (or no longer) being answered."""
        with self._tokens_lock:
            token = self._query_tokens.get(request_id)
        if token is None:
            return False
        token.cancel()
        return True

    def handle_line(self, line: str) -> None:
        """Answer one input line (a request); never raises."""
        if isinstance(line, OverlongLine):
            self.writer.error(
                line.request_id,
                INVALID_INPUT,
                f"request line of {line.size} characters is longer than the "
                f"{MAX_LINE_CHARS} accepted; it was not read. Pass large inputs as files "
                "(paths) instead of inline values",
                {"chars": line.size, "limit": MAX_LINE_CHARS},
            )
            return
        line = line.strip()
        if not line:
            return
        try:
            request = protocol.parse_request(line)
        except protocol.ProtocolError as exc:
            self.writer.error(exc.request_id, exc.code, str(exc))
            return
        method = self.methods.get(request.method)
        if method is None:
            self.writer.error(
                request.id,
                protocol.METHOD_NOT_FOUND,
                f"unknown method '{request.method}'; known: {', '.join(sorted(self.methods))}",
                {"method": request.method},
            )
            return
        if method.module is not None and not present(method.module):
            error = NotAvailableError(
                f"'{method.name}' is not available in this engine build (module {method.module} "
                "is missing); update the engine (git pull, then scripts/setup.sh)",
                method=method.name,
                module=method.module,
            )
            self.writer.error(request.id, error.code, str(error), error.data)
            return
        if method.kind == "query":
            token = CancelToken()
            with self._tokens_lock:
                self._query_tokens[request.id] = token
            self._queries.submit(self._answer_query, method, request, token)
        else:
            self._answer(method, request)

    def _answer_query(self, method: Method, request: protocol.Request, token: CancelToken) -> None:
        self._current.token = token
        try:
            self._answer(method, request)
        finally:
            self._current.token = None
            with self._tokens_lock:
                self._query_tokens.pop(request.id, None)

    def _answer(self, method: Method, request: protocol.Request) -> None:
        try:
            result = method.handler(self, request.params)
            if method.kind == "job":
                self._start_job(method, request, result)
                return
        except UserFacingError as exc:
            self.writer.error(request.id, exc.code, shorten(str(exc)), exc.data or None)
        except ParamsError as exc:
            self.writer.error(request.id, exc.code, shorten(str(exc)), exc.data or None)
        except Exception as exc:  # the service must survive any handler failure
            log.error("method %s failed:\n%s", request.method, shorten(traceback.format_exc(), 4))
            self.writer.error(
                request.id, protocol.INTERNAL_ERROR, shorten(f"{type(exc).__name__}: {exc}")
            )
        else:
            self.writer.reply(request.id, result)

    def _start_job(self, method: Method, request: protocol.Request, plan: Any) -> None:
        if not isinstance(plan, JobPlan):
            raise TypeError(f"job method {method.name} returned {type(plan).__name__}")
        job = self.jobs.create(method.name, plan)
        self.writer.reply(request.id, {"job": job.id, "state": "running"})
        self.jobs.start(job)

    def close(self) -> bool:
        """Cancel jobs, let them reach a safe point, finish pending queries. False when a job
        is still running after ``SHUTDOWN_GRACE_S``."""
        self.jobs.cancel_all()
        if not self.jobs.wait_all(SHUTDOWN_GRACE_S):
            log.warning("jobs still running after %.0f s; exiting anyway", SHUTDOWN_GRACE_S)
            self._queries.shutdown(wait=False, cancel_futures=True)
            return False
        self._queries.shutdown(wait=True, cancel_futures=False)
        return True


INVALID_INPUT = "invalid_input"


def shorten(text: str, factor: int = 1) -> str:
    """``text`` cut to ``MAX_MESSAGE_CHARS * factor`` characters, saying how much was left out."""
    limit = MAX_MESSAGE_CHARS * factor
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} characters left out)"


class OverlongLine(str):
    """A request line longer than ``MAX_LINE_CHARS``: only its start is kept, for its id."""

    size: int
    request_id: object


_ID = re.compile(r'"id"\s*:\s*(-?\d+|"[^"\\]{0,200}")')


def read_lines(source: TextIO, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Lines of ``source``; a line over ``limit`` characters comes as an ``OverlongLine``,
    read through in bounded chunks so that it never sits in memory whole."""
    while True:
        line = source.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        head, size = line[:1000], len(line)
        while True:
            rest = source.readline(1 << 20)
            size += len(rest)
            if not rest or rest.endswith("\n"):
                break
        overlong = OverlongLine(head)
        overlong.size = size - (1 if rest.endswith("\n") else 0)
        match = _ID.search(head)
        overlong.request_id = _json_value(match.group(1)) if match else None
        yield overlong


def _json_value(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return None


class _NotificationLogHandler(logging.Handler):
    """Forwards the engine's own log records (``scicbir.*``, INFO and up) as ``log``
    notifications, tagged with the job that emitted them, so a client can show them beside the
    job's progress. Everything still goes to stderr as well."""

    def __init__(self, writer: protocol.MessageWriter) -> None:
        super().__init__(logging.INFO)
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._writer.notify(
                "log",
                {
                    "level": record.levelname.lower(),
                    "logger": record.name,
                    "message": record.getMessage(),
                    "job": current_job_id(),
                },
            )
        except Exception:
            self.handleError(record)


def install_log_notifications(writer: protocol.MessageWriter) -> logging.Handler:
    """Send the engine's own log records (``scicbir.*``) as ``log`` notifications too."""
    handler = _NotificationLogHandler(writer)
    logging.getLogger("scicbir").addHandler(handler)
    return handler


def _private_stdout() -> TextIO:
    """Keep the real stdout for protocol lines only and point file descriptor 1 at stderr, so
    that output from C libraries (GDAL, faiss, OpenMP warnings), which bypasses ``sys.stdout``,
    lands in the log instead of corrupting the protocol stream."""
    sys.stdout.flush()
    try:
        protocol_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no real descriptors (embedded interpreter): Python-level redirect only
        return sys.stdout
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def serve(
    stdin: TextIO | None = None, stdout: TextIO | None = None, log_level: str = "info"
) -> int:
    """Run the loop until ``shutdown`` or end of input."""
    real_stdout = stdout or _private_stdout()
    sys.stdout = sys.stderr  # stray prints go to the log, never into the protocol
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    writer = protocol.MessageWriter(real_stdout)
    install_log_notifications(writer)
    service = Service(writer)
    source = stdin or sys.stdin
    if stdin is None and hasattr(source, "reconfigure"):
        # The protocol is UTF-8 whatever the locale; a broken byte becomes a parse error reply
        # instead of ending the loop.
        source.reconfigure(encoding="utf-8", errors="replace")
    finished = True
    try:
        for line in read_lines(source):
            service.handle_line(line)
            if not service.running:
                break
    finally:
        finished = service.close()
    if not finished and stdin is None:
        # A job that does not reach its safe point must not keep the engine alive after its
        # client is gone; its worker processes end with this process.
        real_stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0
