"""Validation of request params, shared by the service and the typed requests (``SearchRequest``).

Params arrive as untyped JSON; each method states what it accepts here so that a typo in a client
(``"archiv"``) or a wrong type is answered with an ``invalid_params`` error naming the param and
what was expected, instead of failing deep inside a job.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scicbir.protocol_v1 import INVALID_PARAMS


class ParamsError(Exception):
    """A request's params are wrong; becomes an ``invalid_params`` error reply."""

    code = INVALID_PARAMS

    def __init__(self, method: str, message: str, param: str | None = None) -> None:
        super().__init__(f"{method}: {message}")
        self.data = {"param": param} if param else {}


class Params:
    """Typed access to one request's params; tracks which keys were read."""

    def __init__(self, method: str, raw: dict[str, Any], allowed: Iterable[str]) -> None:
        self.method = method
        self.raw = raw
        allowed = set(allowed)
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise ParamsError(
                method,
                f"unknown param(s) {', '.join(unknown)}; accepted: {', '.join(sorted(allowed)) or 'none'}",
                unknown[0],
            )

    def _fail(self, name: str, expected: str) -> ParamsError:
        return ParamsError(
            self.method, f"param '{name}' must be {expected}, got {self.raw.get(name)!r}", name
        )

    def str(self, name: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.raw.get(name, default)
        if value is None:
            if required:
                raise ParamsError(self.method, f"param '{name}' is required", name)
            return None
        if not isinstance(value, str) or not value:
            raise self._fail(name, "a non-empty string")
        return value

    def path(self, name: str, required: bool = False) -> Path | None:
        value = self.str(name, required=required)
        return Path(value).expanduser() if value is not None else None

    def int(self, name: str, default: int | None = None, minimum: int | None = None) -> int | None:
        value = self.raw.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, "an integer")
        if minimum is not None and value < minimum:
            raise self._fail(name, f"an integer >= {minimum}")
        return value

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.raw.get(name, default)
        if value is None or isinstance(value, bool):
            return value
        raise self._fail(name, "true or false")

    def number_list(self, name: str, length: int | None = None) -> list[float] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        ok = isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        )
        if not ok or (length is not None and len(value) != length):
            raise self._fail(name, f"a list of {length or 'some'} numbers")
        return [float(v) for v in value]

    def str_list(self, name: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(name, "a list of strings")
        return list(value)

    def int_list(self, name: str) -> list[int] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self._fail(name, "a list of integers")
        return list(value)

    def any(self, name: str) -> Any:
        return self.raw.get(name)
