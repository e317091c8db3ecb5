"""Progress reporting and cooperative cancellation shared by every long-running job."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from scicbir.errors import CancelledError


class Progress(Protocol):
    """Called as ``progress(done, total, message, **figures)``; must be cheap and never raise."""

    def __call__(self, done: int, total: int, message: str = "", **figures: Any) -> None: ...


class CancelToken:
    """Set by another thread (the service's ``cancel``, Ctrl-C); checked by jobs at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self, what: str = "job") -> None:
        if self._event.is_set():
            raise CancelledError(f"{what} cancelled; run the same command again to continue")


def no_progress(done: int, total: int, message: str = "", **figures: Any) -> None:
    """Default progress sink."""
