"""``recover_archive``: a new catalog from what is intact, keeping every pack byte.

Since archive format 2 the packs describe themselves: with every committed source, compress
appends metadata records (``scicbir.archive.metadata``) holding the source's catalog rows. So
recovery has two witnesses, and keeps what either can prove:

1. the rows still readable in the damaged catalog (read row by row, skipping broken pages),
   whose tiles' records pass their CRC, keep their tile ids, codes and everything else;
2. a source the catalog lost (no row left, or tiles lost: the catalog is missing, truncated,
   unreadable) is rebuilt from its latest metadata record when that record, every tiles
   record it lists and every stream and mask record of its tiles pass their CRC: the same
   ids, codes, logits, offsets and footprints as before, so searches rank and decodes read
   exactly as they did; the archive facts (model, bands, tile size) come from there too;
3. what neither can rebuild (records written before format 2, or whose metadata is damaged):
   sources that lost tiles are kept with the tiles that survive and marked changed (size -1,
   empty sha256), so the next ``compress`` of the same folder re-encodes them whole; tiles whose
   source row is lost are left out (their bytes stay in the packs);
4. every pack byte is kept: the new catalog records the packs' lengths
   (``archive_meta.preserved_pack_ends``), below which no writer truncates; records no row
   refers to are reported (count, bytes) and stay as dead bytes.

The damaged catalog is never deleted: it is renamed ``catalog.gpkg.damaged-<UTC time>`` (with its
``-wal``/``-shm`` files), and the new catalog is written under a temporary name and renamed into
place, under the writer lock; then the index is rebuilt from it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from scicbir.archive.catalog import TILE_COLUMNS, Catalog
from scicbir.archive.index import INDEX_FILE, rebuild_index
from scicbir.archive.metadata import PackSources, image_tile_row, read_pack_sources
from scicbir.archive.packs import PackError, PackReader, scan_records
from scicbir.archive.store import CATALOG, PACKS, _take_lock, fsync_dir
from scicbir.archive.verify import verify_archive
from scicbir.errors import InputError

TABLES = ("archive_meta", "sources", "tiles", "image_tiles")
DROPPED_META = ("generation", "index_sha256", "index_generation", "preserved_pack_ends")


def recover_archive(folder: str | Path) -> dict[str, Any]:
    """Rebuild ``folder``'s catalog from what is intact (see the module docstring); a report."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; give an archive folder", archive=str(folder))
    before = verify_archive(folder)
    report: dict[str, Any] = {
        "archive": str(folder.resolve()),
        "recovered": False,
        "problems_before": before["problems"],
    }
    if all(_index_only(p) for p in before["problems"]):  # the index is rebuilt, not recovered
        report["message"] = "nothing to recover: the catalog and every record are intact"
        return report
    lock = _take_lock(folder)
    try:
        report.update(_rebuild(folder))
    finally:
        lock.close()
    report["recovered"] = True
    return report


def _index_only(problem: str) -> bool:
    """An index problem: derived data, fixed by ``scicbir index rebuild``, not by recovery."""
    return INDEX_FILE in problem and CATALOG not in problem


def _rebuild(folder: Path) -> dict[str, Any]:
    path = folder / CATALOG
    salvaged = _salvage(path) if path.is_file() else {t: [] for t in TABLES}
    sequence = salvaged.pop("_sequence", {})
    reader = PackReader(folder / PACKS)
    sources = {int(r["id"]): r for r in salvaged["sources"]}
    kept: list[dict[str, Any]] = []
    damaged = orphaned = 0
    per_source: dict[int, int] = {}
    try:
        for row in salvaged["tiles"]:
            if int(row["source_id"]) not in sources:
                orphaned += 1
                continue
            try:
                reader.read(row["pack"], row["offset"], row["length"])
                if row["mask_offset"] is not None:
                    reader.read(row["pack"], row["mask_offset"], row["mask_length"])
            except (PackError, TypeError):
                damaged += 1
                continue
            kept.append(row)
            per_source[int(row["source_id"])] = per_source.get(int(row["source_id"]), 0) + 1
    finally:
        reader.close()
    incomplete = [
        s["path"] for sid, s in sources.items() if per_source.get(sid, 0) != int(s["tiles"])
    ]
    from_packs = read_pack_sources(folder / PACKS)
    taken = _merge_pack_sources(from_packs, sources, kept, incomplete)
    not_rebuilt = {
        path: why
        for path, why in sorted(from_packs.not_rebuilt.items())
        if path not in {s["path"] for s in sources.values()}
    }
    pack_sizes = {p.name: p.stat().st_size for p in sorted((folder / PACKS).glob("pack-*.bin"))}
    referenced = _referenced(kept)
    for pack, offsets in from_packs.metadata_offsets.items():  # not tiles: never "lost tiles"
        referenced.setdefault(pack, set()).update(offsets)
    unreferenced = _unreferenced_records(folder, referenced)
    meta = {r["key"]: r["value"] for r in salvaged["archive_meta"]}
    meta = {**from_packs.archive_meta, **meta}  # the model, bands... also when the catalog is lost
    metadata_ends = json.loads(meta.get("metadata_ends") or "{}")
    for pack, end in from_packs.ends.items():
        metadata_ends[pack] = max(int(metadata_ends.get(pack, 0)), end)
    for table, seq in from_packs.sequence.items():
        sequence[table] = max(int(sequence.get(table, 0)), seq)

    tmp = folder / f".{CATALOG}.tmp-{os.getpid()}"
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    catalog = Catalog(tmp, create=True)
    try:
        conn = catalog.conn
        with catalog.transaction():
            catalog.set_meta(
                {
                    k: v
                    for k, v in meta.items()
                    if k not in DROPPED_META and not k.startswith("extent_rowid_")
                }
            )
            catalog.set_meta(
                {
                    "generation": str(
                        max(int(meta.get("generation", "0") or 0), from_packs.generation)
                    ),
                    "preserved_pack_ends": json.dumps(pack_sizes),
                    "metadata_ends": json.dumps(metadata_ends, sort_keys=True),
                    "recovered": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
            )
            for source in sources.values():
                values = {k: v for k, v in source.items() if k != "_rowid_"}
                if source["path"] in incomplete:
                    values.update(size=-1, mtime=-1.0, sha256="")
                columns = list(values)
                conn.execute(
                    f"INSERT INTO sources ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    [values[c] for c in columns],
                )
            columns = ["fid", "geom", "source_id", *[c for c in TILE_COLUMNS if c != "source_id"]]
            conn.executemany(
                f"INSERT INTO tiles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [[row.get(c) for c in columns] for row in kept],
            )
            ids = {int(r["fid"]) for r in kept if "pixel_ring" not in r}
            image_rows = [r for r in salvaged["image_tiles"] if int(r["fid"]) in ids]
            for row in image_rows:
                values = {k: v for k, v in row.items() if k != "_rowid_"}
                conn.execute(
                    f"INSERT INTO image_tiles ({', '.join(values)}) "
                    f"VALUES ({', '.join('?' * len(values))})",
                    list(values.values()),
                )
            conn.executemany(  # image tiles of sources rebuilt from their metadata records
                "INSERT INTO image_tiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                [image for image in map(image_tile_row, kept) if image is not None],
            )
            for table, seq in sequence.items():  # ids are never reused, also after recovery
                conn.execute(
                    "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, table)
                )
                conn.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                    (table, seq, table),
                )
            catalog._bump()
    finally:
        catalog.close()
    moved = None
    if path.exists():
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        moved = folder / f"{CATALOG}.damaged-{stamp}"
        # the damaged catalog is kept under a second name first, so that the folder holds a
        # catalog at every moment (a kill here leaves the old one in place, not none)
        try:
            os.link(path, moved)
        except OSError:  # no hard links on this file system
            shutil.copy2(path, moved)
        for suffix in ("-wal", "-shm"):  # they belong to the old catalog, never to the new one
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{moved}{suffix}"))
    os.replace(tmp, path)
    fsync_dir(folder)
    return {
        "damaged_catalog_kept_as": str(moved) if moved else None,
        "sources": len(sources),
        "tiles": len(kept),
        "tiles_with_damaged_records": damaged,
        "tiles_without_source_row": orphaned,
        "sources_to_compress_again": sorted(incomplete),
        "sources_rebuilt_from_packs": sorted(taken),
        "sources_not_rebuilt": not_rebuilt,
        "metadata_records": {
            "intact": from_packs.records,
            "damaged": from_packs.damaged,
            "cut_records": from_packs.cut,
        },
        "model_recorded": "model_id" in meta,
        "index": _rebuild_index(folder) if kept else "not needed (no tiles)",
        "unreferenced_records": unreferenced,
        "not_recoverable": (
            "pack records without a metadata record (written by a version before archive "
            "format 2, or whose metadata record is damaged) hold only bitstreams and nodata "
            "masks: the source, position, georeference, normalisation and hash code of such a "
            "tile are in the catalog only, so records no surviving row refers to cannot become "
            "tiles again; they stay in the packs. Compress their source rasters again (the "
            "sources listed, and any not in the recovered catalog)"
        ),
    }


def _merge_pack_sources(
    packs: PackSources,
    sources: dict[int, dict[str, Any]],
    kept: list[dict[str, Any]],
    incomplete: list[str],
) -> list[str]:
    """Put sources rebuilt from the packs' metadata records where the catalog lost them.

    A source the salvaged catalog holds whole stays as it is; one it lost (no row) or holds
    only in part is taken from its latest metadata record, with the ids it had, unless those
    ids are held by other surviving rows. Changes ``sources``, ``kept`` and ``incomplete`` in
    place; returns the paths taken from the packs.
    """
    by_path = {s["path"]: sid for sid, s in sources.items()}
    kept_ids = {int(r["fid"]) for r in kept}
    taken = []
    for path, (source, rows) in sorted(packs.sources.items()):
        old = by_path.get(path)
        if old is not None and path not in incomplete:
            continue
        old_ids = {int(r["fid"]) for r in kept if int(r["source_id"]) == old}
        sid = int(source["id"])
        if (sid in sources and sid != old) or any(
            int(r["fid"]) in kept_ids - old_ids for r in rows
        ):
            continue  # its ids belong to other surviving rows: the catalog's rows win
        if old is not None:
            del sources[old]
            kept[:] = [r for r in kept if int(r["source_id"]) != old]
            kept_ids -= old_ids
            incomplete.remove(path)
        sources[sid] = dict(source)
        by_path[path] = sid
        kept.extend(rows)
        kept_ids.update(int(r["fid"]) for r in rows)
        taken.append(path)
    return taken


def _rebuild_index(folder: Path) -> str:
    """Write the index of the new catalog (derived data: a failure only costs a warning)."""
    try:
        catalog = Catalog(folder / CATALOG)
        try:
            rebuild_index(catalog, folder)
        finally:
            catalog.close()
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        return f"not rebuilt ({exc}); run 'scicbir index rebuild {folder}'"
    return "rebuilt"


def _salvage(path: Path) -> dict[str, Any]:
    """Every row SQLite can still read from each archive table, skipping broken pages.

    Read from a copy in a temporary folder, padded with zero pages to the size its header
    states: SQLite refuses a truncated file as a whole, while a padded copy reads up to the
    pages that were lost. The damaged file itself is not touched.
    """
    with tempfile.TemporaryDirectory(prefix="scicbir-recover-") as work:
        copy = Path(work) / "catalog.gpkg"
        shutil.copyfile(path, copy)
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size:
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        _pad_to_header_size(copy)
        return _salvage_copy(copy)


def _pad_to_header_size(path: Path) -> None:
    with open(path, "r+b") as handle:
        header = handle.read(100)
        if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
            return
        page_size = struct.unpack_from(">H", header, 16)[0]
        page_size = 65536 if page_size == 1 else page_size
        pages = struct.unpack_from(">I", header, 28)[0]
        size = handle.seek(0, os.SEEK_END)
        if pages * page_size > size:
            handle.truncate(pages * page_size)


def _salvage_copy(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {t: [] for t in TABLES}
    out["_sequence"] = {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        conn.row_factory = sqlite3.Row
    except sqlite3.Error:
        return out
    try:
        try:
            out["_sequence"] = {
                r[0]: int(r[1]) for r in conn.execute("SELECT name, seq FROM sqlite_sequence")
            }
        except sqlite3.Error:
            pass
        for table in TABLES:
            out[table] = _rows(conn, table)
    finally:
        conn.close()
    return out


def _rows(conn: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    last, step = 0, 1
    while step <= 1 << 40:
        try:
            cursor = conn.execute(
                f"SELECT rowid AS _rowid_, * FROM {table} WHERE rowid > ? ORDER BY rowid", (last,)
            )
            for row in cursor:
                if row["_rowid_"] <= last:  # a damaged tree can loop: never read back
                    return rows
                rows.append(dict(row))
                last = row["_rowid_"]
                step = 1
            return rows
        except sqlite3.Error:
            last += step  # skip past the unreadable part, further each time
            step *= 2
    return rows


def _referenced(rows: list[dict[str, Any]]) -> dict[str, set[int]]:
    offsets: dict[str, set[int]] = {}
    for row in rows:
        offsets.setdefault(row["pack"], set()).add(int(row["offset"]))
        if row["mask_offset"] is not None:
            offsets[row["pack"]].add(int(row["mask_offset"]))
    return offsets


def _unreferenced_records(folder: Path, referenced: dict[str, set[int]]) -> dict[str, Any]:
    """Records in the packs no kept row points at: how many, their bytes, who made them."""
    count = size = streams = 0
    prefixes: set[str] = set()
    for pack in sorted((folder / PACKS).glob("pack-*.bin")):
        seen = referenced.get(pack.name, set())
        with open(pack, "rb") as handle:
            for offset, length, _ok in scan_records(pack):
                if offset in seen:
                    continue
                count += 1
                size += length
                handle.seek(offset)
                head = handle.read(3)
                if head[:1] and head[0] >> 5 == 0b110:
                    streams += 1
                    prefixes.add(head[1:3].hex())
    return {
        "records": count,
        "bytes": size,
        "tile_streams": streams,
        "model_checksum_prefixes": sorted(prefixes),
    }
