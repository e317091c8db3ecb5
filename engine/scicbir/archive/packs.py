"""Bitstream storage: append-only pack files, no file per tile.

A pack (``packs/pack-000001.bin``) is a sequence of records, each a 12-byte header
(``b"SCB1"``, payload length, CRC-32 of the payload; little endian) followed by the payload (a
tile's bitstream, or its zlib-compressed nodata mask). The catalog stores each record's payload
offset and length. Crash safety comes from the order of writes: records are appended, flushed
and ``fsync``-ed *before* the catalog transaction that references them commits. A kill in
between leaves unreferenced bytes at the end of a pack, never a reference to missing bytes; the
next writer truncates each pack to the end of its last referenced record before appending.
The header lets a reader verify every record (``read`` raises on a CRC mismatch) and lets the
packs be scanned without the catalog.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"SCB1"
HEADER = struct.Struct("<4sII")
PACK_LIMIT = 1 << 30  # start a new pack after 1 GiB


class PackError(Exception):
    """A record does not match its header (damaged or truncated pack)."""


def pack_name(number: int) -> str:
    return f"pack-{number:06d}.bin"


class PackWriter:
    """Appends records to the newest pack; ``sync()`` makes them durable.

    ``committed_ends`` (from the catalog) is what the catalog proves committed: bytes behind
    it are dropped before appending, never bytes before it. A pack shorter than the catalog
    says, or missing, is damage: the writer refuses (``PackError``) rather than append into
    it, because new records there would overwrite or follow bytes the catalog still points
    at. ``preserved_ends`` keeps bytes the catalog does not reference but that must not be
    dropped either (records kept by ``scicbir archive recover``).
    """

    def __init__(
        self,
        folder: str | Path,
        committed_ends: dict[str, int],
        preserved_ends: dict[str, int] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        preserved_ends = preserved_ends or {}
        existing = sorted(p.name for p in self.folder.glob("pack-*.bin"))
        short = check_pack_lengths(self.folder, committed_ends)
        if short:
            raise PackError("; ".join(short))
        for name in existing:  # drop bytes no committed catalog row refers to
            end = max(committed_ends.get(name, 0), preserved_ends.get(name, 0))
            path = self.folder / name
            if path.stat().st_size > end:
                with open(path, "r+b") as handle:
                    handle.truncate(end)
                    os.fsync(handle.fileno())
        number = int(existing[-1][5:11]) if existing else 1
        self._open(number)

    def _open(self, number: int) -> None:
        self.number = number
        self.name = pack_name(number)
        self._file = open(self.folder / self.name, "ab")
        self._file.seek(0, os.SEEK_END)
        self._dirty = False

    def append(self, payload: bytes, same_pack: bool = False) -> tuple[str, int, int]:
        """Append one record; returns (pack name, payload offset, payload length).

        ``same_pack``: never start a new pack for this record (a tile's mask goes where its
        stream went, since the catalog row names one pack for both)."""
        if self._file.tell() > PACK_LIMIT and not same_pack:
            self.sync()
            self._file.close()
            self._open(self.number + 1)
        start = self._file.tell()
        self._file.write(HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)))
        self._file.write(payload)
        self._dirty = True
        return self.name, start + HEADER.size, len(payload)

    def position(self) -> tuple[int, int]:
        """Where the next record goes: (pack number, byte offset); for ``rollback``."""
        return self.number, self._file.tell()

    def rollback(self, position: tuple[int, int]) -> None:
        """Drop records appended since ``position`` (a source that failed half-way)."""
        number, offset = position
        if number != self.number:  # a new pack was started since: leave the bytes as dead
            return
        self._file.flush()
        self._file.truncate(offset)
        self._file.seek(offset)

    def sync(self) -> None:
        """Flush and fsync: call before committing catalog rows that reference new records."""
        if self._dirty:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._dirty = False

    def close(self) -> None:
        self.sync()
        self._file.close()


def check_pack_lengths(folder: str | Path, committed_ends: dict[str, int]) -> list[str]:
    """Problems of packs that are missing or shorter than the catalog's references (empty: fine)."""
    folder = Path(folder)
    problems = []
    for name, end in sorted(committed_ends.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{path} is missing but the catalog references {end} bytes of it")
            continue
        size = path.stat().st_size
        if size < end:
            problems.append(
                f"{path} is {size} bytes but the catalog references records up to byte {end} "
                "(the pack was truncated or replaced)"
            )
    return problems


def scan_records(path: str | Path) -> Iterator[tuple[int, int, bool]]:
    """Every record of a pack as (payload offset, payload length, CRC ok), read from its headers.

    Stops at the first header that is not a record header (damaged or truncated tail); what
    lies beyond it cannot be framed without the catalog.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        position = 0
        while position + HEADER.size <= size:
            handle.seek(position)
            magic, length, crc = HEADER.unpack(handle.read(HEADER.size))
            if magic != MAGIC or position + HEADER.size + length > size:
                return
            payload = handle.read(length)
            yield position + HEADER.size, length, zlib.crc32(payload) == crc
            position += HEADER.size + length


class PackReader:
    """Reads records by (pack, offset, length), keeping pack files open."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._files: dict[str, object] = {}

    def read(self, pack: str, offset: int, length: int) -> bytes:
        handle = self._files.get(pack)
        if handle is None:
            path = self.folder / pack
            if not path.exists():
                raise PackError(f"{path} is missing")
            handle = self._files[pack] = open(path, "rb")
        handle.seek(offset - HEADER.size)
        header = handle.read(HEADER.size)
        payload = handle.read(length)
        if len(header) < HEADER.size or len(payload) < length:
            raise PackError(f"{self.folder / pack}: record at {offset} is truncated")
        magic, size, crc = HEADER.unpack(header)
        if magic != MAGIC or size != length or zlib.crc32(payload) != crc:
            raise PackError(f"{self.folder / pack}: record at {offset} is damaged")
        return payload

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files = {}


def pack_mask(mask) -> bytes:
    """A boolean (h, w) nodata mask as a compact record payload."""
    import numpy as np

    h, w = mask.shape
    return struct.pack("<II", h, w) + zlib.compress(np.packbits(mask, axis=None).tobytes(), 6)


def unpack_mask(payload: bytes):
    import numpy as np

    h, w = struct.unpack_from("<II", payload, 0)
    bits = np.unpackbits(np.frombuffer(zlib.decompress(payload[8:]), dtype=np.uint8))
    return bits[: h * w].reshape(h, w).astype(bool)
