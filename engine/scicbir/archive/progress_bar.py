"""A ``Progress`` callback drawing a tqdm bar on stderr (stdout stays for results)."""

from __future__ import annotations

from typing import Any


class ProgressBar:
    """Context manager; call it as ``bar(done, total, message)``."""

    def __init__(self, unit: str, disable: bool = False) -> None:
        self.unit = unit
        self.disable = disable
        self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __call__(self, done: int, total: int, message: str = "", **figures: Any) -> None:
        if self.disable:
            return
        if self._bar is None:
            import sys

            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="tile", file=sys.stderr, dynamic_ncols=True)
        self._bar.total = total
        self._bar.n = done
        if message:
            self._bar.set_description(message[:30], refresh=False)
        self._bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
