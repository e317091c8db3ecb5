"""Wire format of the service: one JSON object per line.

Request:      {"id": 1, "method": "hello", "params": {...}}
Reply:        {"id": 1, "result": {...}}
Error reply:  {"id": 1, "error": {"code": "invalid_input", "message": "...", "data": {...}}}
Notification: {"method": "progress", "params": {"job": "...", "done": 3, "total": 10, ...}}
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, TextIO

from scicbir import protocol_v1

# Error codes (strings, so that log lines read by people stay readable): the shared module's.
PARSE_ERROR = protocol_v1.PARSE_ERROR
INVALID_REQUEST = protocol_v1.INVALID_REQUEST
METHOD_NOT_FOUND = protocol_v1.METHOD_NOT_FOUND
INVALID_PARAMS = protocol_v1.INVALID_PARAMS
INTERNAL_ERROR = protocol_v1.INTERNAL_ERROR


@dataclass
class Request:
    id: Any
    method: str
    params: dict[str, Any] = field(default_factory=dict)


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id


def parse_request(line: str) -> Request:
    """Parse one request line; raise ``ProtocolError`` on anything malformed."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(PARSE_ERROR, f"not valid JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError(INVALID_REQUEST, "a request must be a JSON object")
    request_id = message.get("id")
    method = message.get("method")
    if not isinstance(method, str) or not method:
        raise ProtocolError(INVALID_REQUEST, "a request needs a 'method' string", request_id)
    params = message.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ProtocolError(INVALID_PARAMS, "'params' must be a JSON object", request_id)
    return Request(request_id, method, params)


class MessageWriter:
    """Writes whole protocol lines to the real stdout, one writer thread at a time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, separators=(",", ":"), default=_jsonable)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def reply(self, request_id: Any, result: Any) -> None:
        self.send({"id": request_id, "result": result})

    def error(self, request_id: Any, code: str, message: str, data: Any = None) -> None:
        self.send({"id": request_id, "error": {"code": code, "message": message, "data": data}})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})


def _jsonable(value: Any) -> Any:
    """Encode numpy scalars/arrays and paths that slip into results."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
