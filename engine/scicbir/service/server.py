"""The request loop of ``scicbir serve``.

stdout is reserved for protocol lines: before anything else runs, ``sys.stdout`` is pointed at
stderr so that a library's stray ``print`` can never corrupt the stream the plugin reads.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from scicbir import PROTOCOL_VERSION, __version__
from scicbir.errors import UserFacingError
from scicbir.service import protocol

log = logging.getLogger("scicbir.service")

Handler = Callable[["Service", dict[str, Any]], Any]


class Service:
    """Dispatches requests to handlers registered in ``METHODS``."""

    def __init__(self, writer: protocol.MessageWriter) -> None:
        self.writer = writer
        self.running = True

    def handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        try:
            request = protocol.parse_request(line)
        except protocol.ProtocolError as exc:
            self.writer.error(exc.request_id, exc.code, str(exc))
            return
        handler = METHODS.get(request.method)
        if handler is None:
            self.writer.error(
                request.id,
                protocol.METHOD_NOT_FOUND,
                f"unknown method '{request.method}'; known: {', '.join(sorted(METHODS))}",
            )
            return
        try:
            result = handler(self, request.params)
        except UserFacingError as exc:
            self.writer.error(request.id, exc.code, str(exc), exc.data or None)
        except (TypeError, KeyError, ValueError) as exc:
            log.debug("bad params for %s", request.method, exc_info=True)
            self.writer.error(request.id, protocol.INVALID_PARAMS, f"{request.method}: {exc}")
        except Exception as exc:  # the service must survive any handler failure
            log.error("method %s failed:\n%s", request.method, traceback.format_exc())
            self.writer.error(request.id, protocol.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
        else:
            self.writer.reply(request.id, result)


def _hello(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "engine": __version__,
        "python": sys.version.split()[0],
        "pid": __import__("os").getpid(),
    }


def _info(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    from scicbir.environment import engine_info

    return engine_info()


def _shutdown(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    service.running = False
    return {"ok": True}


METHODS: dict[str, Handler] = {
    "hello": _hello,
    "info": _info,
    "shutdown": _shutdown,
}


def serve(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the loop until ``shutdown`` or end of input. Opens no network port."""
    real_stdout = stdout or sys.stdout
    sys.stdout = sys.stderr  # stray prints go to the log, never into the protocol
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    service = Service(protocol.MessageWriter(real_stdout))
    source = stdin or sys.stdin
    for line in source:
        service.handle_line(line)
        if not service.running:
            break
    return 0
