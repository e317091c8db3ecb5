"""Objects the service loads once and keeps: model packages with their codec, searchers.

Loading a model (weights, entropy tables) or an archive's index takes far longer than answering a
query with it, and an interactive user asks many queries in a row. Entries are keyed (e.g. model
path + device) and carry a *stamp* (e.g. the archive files' modification times): a changed stamp
reloads the entry, so a search after a compress job sees the new tiles.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
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


def _file_identity(path: Path) -> tuple[int, int] | None:
    """Identity of a file: changes when the file is replaced (an archive deleted and made
    again), not when rows are added to it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class ArchiveObjects:
    """The loaded objects the query methods share: decoding codecs and archive searchers."""

    def __init__(self, loaded: LoadedObjects) -> None:
        self.loaded = loaded

    def bind(self, archive: Any) -> None:
        """Give an opened ``Archive`` the cached codec of its model (built on first use), so
        decoding does not rebuild the network for every request."""
        identity = archive.model
        if identity is None:
            return
        codec = self.loaded.get(("codec", identity.checksum), archive.codec)
        archive.use_package(codec.package)  # checks the model identity
        archive._codec = codec

    def searcher(self, folder: Path) -> Any:
        """The ``Searcher`` of an archive folder; a new one when the catalog file was replaced
        (a searcher follows tiles added to its catalog by itself)."""
        from scicbir.search.query import Searcher

        real = Path(os.path.realpath(folder))
        return self.loaded.get(
            ("searcher", str(real)),
            lambda: Searcher(real),
            _file_identity(real / "catalog.gpkg"),
        )
