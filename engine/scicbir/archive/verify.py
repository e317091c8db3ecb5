"""``verify_archive``: is every part of an archive intact, and what exactly is damaged.

Read-only (the catalog through SQLite's ``mode=ro``; nothing in the folder is written), so it
can be run on a damaged archive, a read-only share, or while a compress runs. Checks, in order:

- the catalog: its header (a truncated file), SQLite's ``PRAGMA integrity_check``, the archive
  tables;
- every pack: present, at least as long as the catalog's references (``check_pack_lengths``),
  and every record a tile row points at (stream and nodata mask): header magic, length, CRC-32;
- the packs' metadata records (``scicbir.archive.metadata``): every one's CRC, and which
  catalog sources have none (written before archive format 2) or damaged ones;
- the index: present, current (generation), its sha256 against the one the catalog recorded,
  and its ids and codes against the catalog's.

Problems are damage (data that cannot be read back as it was written); notes are states that
are not damage (a stale index, which searches rebuild in memory; unreferenced pack bytes).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.archive.catalog import _connect_read_only, header_problem
from scicbir.archive.index import INDEX_FILE, INDEX_META
from scicbir.archive.metadata import read_pack_sources
from scicbir.archive.packs import PackError, PackReader, check_pack_lengths
from scicbir.archive.store import CATALOG, PACKS
from scicbir.errors import ArchiveDamagedError, InputError
from scicbir.progress import Progress, no_progress

#: most damaged tile ids listed in a report (the count is always exact)
LIST_LIMIT = 1000


def verify_archive(folder: str | Path, progress: Progress | None = None) -> dict[str, Any]:
    """A report of the archive's health: ``ok`` (no damage), ``problems``, ``notes``, details."""
    folder = Path(folder)
    progress = progress or no_progress
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder; give an archive folder", archive=str(folder))
    report: dict[str, Any] = {
        "archive": str(folder.resolve()),
        "ok": True,
        "problems": [],
        "notes": [],
        "catalog": {"path": str(folder / CATALOG), "ok": False},
        "packs": [],
        "tiles": {"checked": 0, "damaged": 0, "damaged_ids": []},
        "index": {"state": "unchecked"},
    }
    problems: list[str] = report["problems"]
    conn = _check_catalog(folder, report)
    rows: list[tuple] = []
    if conn is not None:
        try:
            rows = conn.execute(
                "SELECT fid, pack, offset, length, mask_offset, mask_length, hash FROM tiles "
                "ORDER BY fid"
            ).fetchall()
        except (sqlite3.Error, ArchiveDamagedError) as exc:
            problems.append(f"{folder / CATALOG}: the tiles table cannot be read ({exc})")
            report["catalog"]["ok"] = False
    ends: dict[str, int] = {}
    for _, pack, offset, length, mask_offset, mask_length, _ in rows:
        ends[pack] = max(
            ends.get(pack, 0), offset + length, (mask_offset or 0) + (mask_length or 0)
        )
    sources: list[tuple[int, str]] = []
    if conn is not None and report["catalog"]["ok"]:
        meta = dict(conn.execute("SELECT key, value FROM archive_meta").fetchall())
        for pack, end in json.loads(meta.get("metadata_ends") or "{}").items():
            ends[pack] = max(ends.get(pack, 0), int(end))
        sources = [(int(r[0]), r[1]) for r in conn.execute("SELECT id, path FROM sources")]
    _check_packs(folder, ends, report, conn is not None)
    _check_records(folder, rows, report, progress)
    _check_metadata(folder, sources if conn is not None else None, report)
    if conn is not None:
        if report["catalog"]["ok"]:  # an index is only checked against a catalog that reads
            _check_index(folder, conn, rows, report)
        conn.close()
    report["ok"] = not problems
    return report


def _check_catalog(folder: Path, report: dict[str, Any]) -> sqlite3.Connection | None:
    path = folder / CATALOG
    problems = report["problems"]
    if not path.is_file():
        problems.append(
            f"{path} is missing: the packs cannot be read without it; restore it from a backup "
            f"or run 'scicbir archive recover {folder}'"
        )
        return None
    problem = header_problem(path)
    if problem:
        problems.append(f"{path}: {problem}")
        return None
    conn = None
    try:
        conn = _connect_read_only(path)
        result = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except (sqlite3.Error, ArchiveDamagedError) as exc:
        problems.append(f"{path}: SQLite cannot read it ({exc})")
        if conn is not None:
            conn.close()
        return None
    if result != ["ok"]:
        problems.append(f"{path}: integrity check failed: {'; '.join(result[:5])}")
        report["catalog"]["integrity"] = result[:20]
        conn.close()
        return None
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = sorted({"archive_meta", "sources", "tiles", "image_tiles"} - tables)
    if missing:
        problems.append(f"{path}: tables {', '.join(missing)} are missing")
        conn.close()
        return None
    report["catalog"].update(
        ok=True,
        sources=conn.execute("SELECT count(*) FROM sources").fetchone()[0],
        tiles=conn.execute("SELECT count(*) FROM tiles").fetchone()[0],
    )
    return conn


def _check_packs(
    folder: Path, ends: dict[str, int], report: dict[str, Any], catalog_read: bool
) -> None:
    packs = folder / PACKS
    names = sorted(set(ends) | {p.name for p in packs.glob("pack-*.bin")})
    for name in names:
        path = packs / name
        size = path.stat().st_size if path.is_file() else None
        short = check_pack_lengths(packs, {name: ends[name]}) if name in ends else []
        report["problems"].extend(short)
        entry = {"name": name, "bytes": size, "referenced_end": ends.get(name, 0)}
        entry["ok"] = not short
        report["packs"].append(entry)
        if catalog_read and size is not None and size > ends.get(name, 0):
            report["notes"].append(
                f"{path}: {size - ends.get(name, 0)} bytes after the last referenced record "
                "(an interrupted or recovered run; dropped or kept by the next compress)"
            )


def _check_records(
    folder: Path, rows: list[tuple], report: dict[str, Any], progress: Progress
) -> None:
    reader = PackReader(folder / PACKS)
    damaged: list[int] = []
    reasons: dict[str, int] = {}
    try:
        for n, (fid, pack, offset, length, mask_offset, mask_length, _) in enumerate(rows):
            try:
                reader.read(pack, offset, length)
                if mask_offset is not None:
                    reader.read(pack, mask_offset, mask_length)
            except PackError as exc:
                damaged.append(int(fid))
                reason = str(exc).split(": record at")[0]
                reasons[reason] = reasons.get(reason, 0) + 1
            if n % 256 == 0:
                progress(n, len(rows), "checking records")
    finally:
        reader.close()
    report["tiles"].update(
        checked=len(rows), damaged=len(damaged), damaged_ids=damaged[:LIST_LIMIT]
    )
    for where, count in sorted(reasons.items()):
        report["problems"].append(
            f"{where}: {count} tile record(s) damaged or missing (their bitstreams cannot be "
            "decoded; compress their sources again)"
        )


def _check_metadata(
    folder: Path, sources: list[tuple[int, str]] | None, report: dict[str, Any]
) -> None:
    """The packs' metadata records: their CRCs, and which catalog sources they can rebuild.

    A metadata record that fails its CRC is damage (the catalog's copy of those rows may still
    be fine, but the packs can no longer stand in for it). A source without any record was
    written by a version before archive format 2: not damage, but a lost catalog could not be
    rebuilt for it, which the report says. ``sources`` is None when the catalog is unreadable:
    the report then says what ``recover`` can rebuild from the packs.
    """
    packs = read_pack_sources(folder / PACKS)
    entry: dict[str, Any] = {
        "records": packs.records,
        "damaged": packs.damaged[:LIST_LIMIT],
        "rebuildable_sources": len(packs.sources),
    }
    report["metadata"] = entry
    for problem in packs.damaged:
        report["problems"].append(
            f"{problem}: a damaged metadata record (the rows it held are still in the catalog "
            "if it is intact; if the catalog is lost they cannot be rebuilt from the packs); "
            "back up catalog.gpkg"
        )
    for where in packs.cut:
        report["notes"].append(
            f"{where}: the last record runs past the end of the pack (a write cut short); "
            "ignored, and dropped by the next compress"
        )
    if sources is None:
        if packs.sources:
            report["notes"].append(
                f"the packs' metadata records can rebuild {len(packs.sources)} source(s): run "
                f"'scicbir archive recover {folder}'"
            )
        return
    without: list[str] = []
    broken: list[str] = []
    for source_id, path in sources:
        found = packs.sources.get(path)
        if found is not None and int(found[0]["id"]) == source_id:
            continue
        if path in packs.not_rebuilt:
            broken.append(path)
            report["problems"].append(
                f"{path}: its metadata records in {folder / PACKS} cannot rebuild it "
                f"({packs.not_rebuilt[path]}); the catalog still holds it: back up catalog.gpkg, "
                "or compress it into a new archive"
            )
        else:
            without.append(path)
    entry.update(
        sources_without_record=without[:LIST_LIMIT],
        sources_without_record_count=len(without),
        sources_with_damaged_record=broken[:LIST_LIMIT],
    )
    if without and packs.damaged:  # their records may be among the damaged ones
        shown = ", ".join(without[:5]) + (" ..." if len(without) > 5 else "")
        report["problems"].append(
            f"{len(without)} source(s) have no intact metadata record in {folder / PACKS} "
            f"({shown}) and {len(packs.damaged)} metadata record(s) are damaged: if "
            f"{folder / CATALOG} is lost they cannot be rebuilt from the packs; back it up"
        )
    elif without:
        report["notes"].append(
            f"{len(without)} source(s) have no metadata record in the packs (written before "
            f"archive format 2): if {folder / CATALOG} is lost they cannot be rebuilt from the "
            "packs; keep a backup of it"
        )


def _check_index(
    folder: Path, conn: sqlite3.Connection, rows: list[tuple], report: dict[str, Any]
) -> None:
    import faiss

    meta = {k: v for k, v in conn.execute("SELECT key, value FROM archive_meta")}
    generation = int(meta.get("generation", "0") or 0)
    path = folder / INDEX_FILE
    index_report = report["index"]
    try:
        side = json.loads((folder / INDEX_META).read_text())
        data = path.read_bytes()
    except (OSError, ValueError):
        index_report["state"] = "missing"
        report["notes"].append(
            f"{path} is missing: searches rebuild it in memory; 'scicbir index rebuild {folder}' "
            "writes it"
        )
        return
    if side.get("generation") != generation:
        index_report["state"] = "stale"
        report["notes"].append(
            f"{path} reflects generation {side.get('generation')}, the catalog is at "
            f"{generation}: searches rebuild it in memory; 'scicbir index rebuild {folder}' "
            "writes it"
        )
        return
    expected = meta.get("index_sha256") or side.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        index_report["state"] = "damaged"
        report["problems"].append(
            f"{path} does not match the checksum recorded in the catalog; searches use an index "
            f"rebuilt in memory; run 'scicbir index rebuild {folder}'"
        )
        return
    try:
        loaded = faiss.deserialize_index_binary(np.frombuffer(data, dtype=np.uint8))
        id_map = faiss.downcast_IndexBinary(loaded)  # proxies of ``loaded``: keep it alive
        ids = faiss.vector_to_array(id_map.id_map)
        flat = faiss.downcast_IndexBinary(id_map.index)
        codes = faiss.vector_to_array(flat.xb).reshape(int(loaded.ntotal), -1)
    except (RuntimeError, ValueError, AttributeError) as exc:
        index_report["state"] = "damaged"
        report["problems"].append(
            f"{path} cannot be read ({exc}); run 'scicbir index rebuild {folder}'"
        )
        return
    catalog = {int(r[0]): bytes(r[6]) for r in rows}
    stored = {int(i): codes[k].tobytes() for k, i in enumerate(ids)}
    if stored != catalog:
        index_report["state"] = "damaged"
        report["problems"].append(
            f"{path} does not hold the catalog's codes ({len(stored)} entries, catalog "
            f"{len(catalog)} tiles); run 'scicbir index rebuild {folder}'"
        )
        return
    index_report.update(state="current", tiles=len(stored), checksum=bool(expected))
