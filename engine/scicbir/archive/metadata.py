"""Metadata records: every committed source's catalog rows, also kept in the packs.

Pack records of bitstreams and masks say nothing about the tile they hold: its source,
position, georeference, normalisation, hash code, logits and footprint are catalog rows. So
that a lost ``catalog.gpkg`` can be rebuilt from the packs alone, compress appends, inside the
same pack record framing (``b"SCB1"``, length, CRC-32), metadata records:

- a *tiles* record after each batch of tiles: the tile rows of the batch as the catalog holds
  them (ids, position, stream and mask locations, code, logits as the float32 bytes kept, PSNR,
  footprint as the exact GeoPackage blob or the pixel-space ring);
- a *source* record when the source is committed: its ``sources`` row (id, path, size, mtime,
  sha256, CRS, transform, bands, normalisation, ``added``...), the locations of its tiles
  records, the archive facts of ``archive_meta`` (model id, checksum, bands, tile size, code
  length, quality) and the generation it commits.

The source record is appended and ``fsync``ed with the tile records *before* the catalog
transaction commits (the existing order), and its end is recorded in the catalog
(``archive_meta.metadata_ends``) so that no writer truncates it as uncommitted bytes. A source
can be rebuilt when its latest source record, every tiles record it lists and every stream and
mask record of its tiles pass their CRC.

Payload: ``b"SCMD"``, a version byte, a kind byte, then zlib of compact UTF-8 JSON. No stream
(lead byte ``0xC2``/``0xD2``, or ``b"SCIC"``) or mask (``uint32`` height first) payload starts
with ``b"SCMD"``, and readers that go by catalog offsets never reach these records, so older
engines skip them as unreferenced bytes.
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scicbir.archive import gpkg
from scicbir.archive.packs import HEADER, MAGIC

RECORD_MAGIC = b"SCMD"
RECORD_VERSION = 1
KIND_TILES = 1
KIND_SOURCE = 2

#: archive_meta keys that describe a state of the catalog, not the archive: not recorded
VOLATILE_META = (
    "generation",
    "index_sha256",
    "index_generation",
    "preserved_pack_ends",
    "metadata_ends",
    "recovered",
)
#: tile row columns that are the same for every tile of a source (kept once per record)
COMMON_COLUMNS = (
    "source_path",
    "source_sha256",
    "width",
    "height",
    "georeferenced",
    "crs",
    "bands",
    "source_bands",
    "dtype",
    "nodata",
    "normalisation",
    "hash_bits",
    "model_id",
)


class MetadataError(ValueError):
    """A metadata record that passes its CRC but cannot be read (a newer version)."""


def encode(kind: int, body: dict[str, Any]) -> bytes:
    """A metadata record payload: magic, version, kind, zlib of compact JSON."""
    text = json.dumps(body, separators=(",", ":"), allow_nan=True).encode()
    return RECORD_MAGIC + bytes((RECORD_VERSION, kind)) + zlib.compress(text, 6)


def is_metadata(payload: bytes) -> bool:
    return payload[:4] == RECORD_MAGIC


def decode(payload: bytes) -> tuple[int, dict[str, Any]]:
    """(kind, body) of a metadata payload; ``MetadataError`` for a version this engine lacks."""
    version, kind = payload[4], payload[5]
    if version > RECORD_VERSION:
        raise MetadataError(
            f"metadata record version {version} is newer than this engine reads "
            f"({RECORD_VERSION}); update the engine"
        )
    return kind, json.loads(zlib.decompress(payload[6:]))


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(bytes(value)).decode()


def _unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def tiles_record(rows: Sequence[dict[str, Any]], ids: Sequence[int]) -> bytes:
    """The tiles record of one batch: rows as given to ``SourceTransaction.add``, their ids."""
    common = {c: rows[0].get(c) for c in COMMON_COLUMNS} if rows else {}
    tiles = []
    for tile_id, row in zip(ids, rows, strict=True):
        entry: dict[str, Any] = {"id": int(tile_id)}
        for key, value in row.items():
            if key in common or key in ("hash", "source_id"):
                continue  # ``hash`` is ``bytes.fromhex(hash_hex)``
            if key in ("hash_logits", "geom"):
                value = _b64(value)
            entry[key] = value
        tiles.append(entry)
    return encode(KIND_TILES, {"common": common, "tiles": tiles})


def write_source_record(
    catalog, writer, source_id: int, tile_records: list[tuple[str, int, int]]
) -> None:
    """Append the source record of a source whose rows are in the open transaction.

    Called after the last tile row and before the pack ``fsync`` and the commit: the record is
    durable whenever the rows are. The ends of this source's metadata records go into
    ``archive_meta.metadata_ends`` (same transaction), so no later writer drops them.
    """
    row = catalog.conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
    meta = catalog.meta()
    body = {
        "source": dict(row),
        "tile_records": [list(r) for r in tile_records],
        "archive": {
            k: v
            for k, v in meta.items()
            if k not in VOLATILE_META and not k.startswith("extent_rowid_")
        },
        "generation": int(meta.get("generation", "0") or 0) + 1,
    }
    record = writer.append(encode(KIND_SOURCE, body))
    ends = json.loads(meta.get("metadata_ends") or "{}")
    for pack, offset, length in [*tile_records, record]:
        ends[pack] = max(int(ends.get(pack, 0)), offset + length)
    catalog.set_meta({"metadata_ends": json.dumps(ends, sort_keys=True)})


# --- reading the packs without the catalog ---------------------------------------------------


@dataclass
class Record:
    """One framed record of a pack: payload offset and length, CRC result, payload if read."""

    pack: str
    offset: int
    length: int
    ok: bool
    payload: bytes = b""
    cut: bool = False


def iter_records(path: Path) -> Iterator[Record]:
    """Every record of a pack, finding the next record header after a damaged one.

    A record whose CRC passes is trusted, with its length; after one that fails (or a header
    that is not a record header) the next ``b"SCB1"`` is searched byte by byte, so one damaged
    record does not hide the records behind it. A record whose stated length runs past the end
    of the file (a pack cut mid-write) is yielded with ``cut`` set and ends the scan.
    """
    name = path.name
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        position = 0
        while position + HEADER.size <= size:
            handle.seek(position)
            magic, length, crc = HEADER.unpack(handle.read(HEADER.size))
            if magic != MAGIC:
                position = _next_magic(handle, position + 1, size)
                continue
            start = position + HEADER.size
            if start + length > size:
                yield Record(name, start, length, False, cut=True)
                position = _next_magic(handle, position + 1, size)
                continue
            payload = handle.read(length)
            ok = zlib.crc32(payload) == crc
            yield Record(name, start, length, ok, payload)
            position = start + length if ok else _next_magic(handle, position + 1, size)


def _next_magic(handle, start: int, size: int) -> int:
    """Offset of the next record magic at or after ``start`` (``size`` when there is none)."""
    chunk = 1 << 20
    position = start
    while position < size:
        handle.seek(position)
        data = handle.read(chunk + len(MAGIC) - 1)
        found = data.find(MAGIC)
        if found >= 0:
            return position + found
        position += chunk
    return size


@dataclass
class PackSources:
    """What the packs' metadata records can rebuild."""

    #: path -> (source row, tile rows as catalog rows with ``fid``, ``geom`` and ``pixel_ring``)
    sources: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=dict)
    #: positions of the kept sources' metadata records: pack -> end of the last one
    ends: dict[str, int] = field(default_factory=dict)
    #: archive_meta of the latest intact source record
    archive_meta: dict[str, str] = field(default_factory=dict)
    generation: int = 0
    #: highest ids any metadata record used ({"sources": n, "tiles": n}): never reused
    sequence: dict[str, int] = field(default_factory=dict)
    #: path -> why its latest source record cannot be rebuilt
    not_rebuilt: dict[str, str] = field(default_factory=dict)
    #: metadata records that fail their CRC, are cut, or cannot be read: "pack@offset: why"
    damaged: list[str] = field(default_factory=list)
    #: records whose stated length runs past the end of their pack (cut mid-write): "pack@offset"
    cut: list[str] = field(default_factory=list)
    #: payload offsets of every metadata record that passes its CRC, per pack
    metadata_offsets: dict[str, set[int]] = field(default_factory=dict)
    records: int = 0


def read_pack_sources(packs: Path) -> PackSources:
    """Scan every pack and rebuild the catalog rows of each source from its latest record."""
    out = PackSources()
    intact: dict[tuple[str, int], int] = {}  # (pack, offset) -> length of records passing CRC
    tiles_bodies: dict[tuple[str, int, int], dict[str, Any]] = {}
    latest: dict[str, tuple[tuple[str, int, int], dict[str, Any]]] = {}
    for path in sorted(packs.glob("pack-*.bin")):
        for record in iter_records(path):
            if record.ok:
                intact[(record.pack, record.offset)] = record.length
            if record.cut:
                out.cut.append(f"{path}@{record.offset}")
                continue
            if not is_metadata(record.payload):
                continue
            if not record.ok:
                out.damaged.append(f"{path}@{record.offset}: metadata record fails its CRC")
                continue
            out.metadata_offsets.setdefault(record.pack, set()).add(record.offset)
            out.records += 1
            try:
                kind, body = decode(record.payload)
            except (MetadataError, ValueError, zlib.error) as exc:
                out.damaged.append(f"{path}@{record.offset}: {exc}")
                continue
            where = (record.pack, record.offset, record.length)
            if kind == KIND_TILES:
                tiles_bodies[where] = body
                for tile in body.get("tiles", []):
                    _raise(out.sequence, "tiles", int(tile["id"]))
            elif kind == KIND_SOURCE:
                source = body["source"]
                _raise(out.sequence, "sources", int(source["id"]))
                latest[source["path"]] = (where, body)  # a later record replaces the source
    newest = -1
    for path, (where, body) in latest.items():
        rows, problem = _tile_rows(body, tiles_bodies, intact)
        if problem:
            out.not_rebuilt[path] = problem
            continue
        out.sources[path] = (body["source"], rows)
        for pack, offset, length in [*body["tile_records"], where]:
            out.ends[pack] = max(out.ends.get(pack, 0), offset + length)
        generation = int(body.get("generation", 0))
        out.generation = max(out.generation, generation)
        if generation > newest:
            newest, out.archive_meta = generation, body.get("archive", {})
    return out


def _raise(sequence: dict[str, int], table: str, value: int) -> None:
    sequence[table] = max(sequence.get(table, 0), value)


def _tile_rows(
    body: dict[str, Any],
    tiles_bodies: dict[tuple[str, int, int], dict[str, Any]],
    intact: dict[tuple[str, int], int],
) -> tuple[list[dict[str, Any]], str | None]:
    """A source record's tile rows, or why they cannot all be rebuilt."""
    source = body["source"]
    rows: list[dict[str, Any]] = []
    for pack, offset, length in body["tile_records"]:
        tiles = tiles_bodies.get((pack, offset, length))
        if tiles is None:
            return [], f"its tiles record {pack}@{offset} is missing or damaged"
        common = tiles["common"]
        for entry in tiles["tiles"]:
            row = {**common, **entry, "source_id": int(source["id"])}
            row["fid"] = row.pop("id")
            row["hash"] = bytes.fromhex(row["hash_hex"])
            row["hash_logits"] = _unb64(row.get("hash_logits"))
            row["geom"] = _unb64(row.get("geom"))
            ring = row.get("pixel_ring")
            row["pixel_ring"] = [tuple(p) for p in ring] if ring is not None else None
            for where, size in (
                (row["offset"], row["length"]),
                (row.get("mask_offset"), row.get("mask_length")),
            ):
                if where is not None and intact.get((row["pack"], int(where))) != size:
                    return [], (
                        f"the record of tile {row['fid']} at {row['pack']}@{where} is missing or "
                        "damaged"
                    )
            rows.append(row)
    if len(rows) != int(source["tiles"]):
        return [], f"its records describe {len(rows)} of its {source['tiles']} tiles"
    return rows, None


def image_tile_row(row: dict[str, Any]) -> tuple | None:
    """The ``image_tiles`` row of a rebuilt tile of a non-georeferenced image, or None."""
    ring = row.get("pixel_ring")
    if ring is None:
        return None
    return (
        row["fid"],
        gpkg.polygon_blob(ring, -1),
        row["source_path"],
        row["col"],
        row["row"],
        row["valid_width"],
        row["valid_height"],
    )
