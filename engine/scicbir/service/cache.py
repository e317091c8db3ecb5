"""Objects the service loads once and keeps: model packages with their codec, searchers.

Loading a model (weights, entropy tables) or an archive's index takes far longer than answering a
query with it, and an interactive user asks many queries in a row. Entries are keyed (e.g. model
path + device) and carry a *stamp* (e.g. the archive files' modification times): a changed stamp
reloads the entry, so a search after a compress job sees the new tiles.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class LoadedObjects:
    """A small thread-safe LRU cache; concurrent ``get`` calls for one key load it once."""

    def __init__(self, capacity: int = 8) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.loads = 0  # how many times a loader ran (reported by ``info``-like diagnostics)

    def get(self, key: Hashable, load: Callable[[], T], stamp: Any = None) -> T:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry[0] == stamp:
                    self._entries.move_to_end(key)
                    return entry[1]
            value = load()
            with self._lock:
                self.loads += 1
                self._entries[key] = (stamp, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
            return value

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
