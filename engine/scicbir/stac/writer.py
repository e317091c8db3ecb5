"""Writing a STAC folder so that a second export touches only what changed.

pystac saves a whole catalog at once. ``KeepUnchangedIO`` is the ``StacIO`` it saves through:
a file whose text is already what pystac would write is left alone (same bytes, same mtime, so
a sync or a web server sees no change); any other is written to a temporary file and renamed
into place, so a reader never sees half a file. It records what happened to each file.
"""

from __future__ import annotations

import os
from pathlib import Path

from pystac.stac_io import DefaultStacIO


class KeepUnchangedIO(DefaultStacIO):
    """A ``StacIO`` that writes only changed files, atomically, and lists what it did."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[Path] = []
        self.updated: list[Path] = []
        self.unchanged: list[Path] = []

    def write_text_to_href(self, href: str, txt: str) -> None:
        path = Path(href)
        data = txt.encode("utf-8")
        if path.is_file():
            if path.read_bytes() == data:
                self.unchanged.append(path)
                return
            self.updated.append(path)
        else:
            self.added.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
