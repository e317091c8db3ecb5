"""The archive's catalog: a GeoPackage (``catalog.gpkg``) with one row per tile.

Layers (all readable by QGIS and ``ogrinfo``):

- ``tiles`` (features, EPSG:4326): footprint polygon of each tile's valid pixels plus its
  source, window, CRS, bands, dtype, nodata, normalisation, hash code (hex and blob), stream
  location in the packs, bits, bpp, PSNR and model id. Tiles of images without a georeference
  have no geometry here (``georeferenced`` = 0) and are drawn in ``image_tiles`` instead.
- ``image_tiles`` (features, undefined Cartesian SRS): pixel-space footprints of tiles of
  non-georeferenced images (x = column, y = -row), ``fid`` = the tile id.
- ``sources`` (attributes): one row per source raster, written in the same transaction as its
  tiles, so a ``sources`` row means "all tiles of this source are in".
- ``archive_meta`` (attributes): key/value facts (format version, model identity, generation).

Tile ids (``tiles.fid``) are ``AUTOINCREMENT``: an id is never reused, even after a changed
source's tiles are replaced, so an id held by a search result or the faiss index never points
at a different tile.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.archive import gpkg
from scicbir.errors import ArchiveDamagedError

FORMAT_VERSION = 2  # 2: packs also hold metadata records (docs/archive-format.md)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS archive_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT UNIQUE NOT NULL, files TEXT NOT NULL,
  size INTEGER NOT NULL, mtime REAL NOT NULL, sha256 TEXT NOT NULL,
  width INTEGER NOT NULL, height INTEGER NOT NULL, band_count INTEGER NOT NULL,
  dtype TEXT NOT NULL, nodata REAL, crs_wkt TEXT, epsg INTEGER, transform TEXT NOT NULL,
  georeferenced INTEGER NOT NULL, source_bands TEXT NOT NULL, band_names TEXT NOT NULL,
  band_mapping TEXT NOT NULL, norm_kind TEXT NOT NULL, norm_offset TEXT NOT NULL,
  norm_scale TEXT NOT NULL, tiles INTEGER NOT NULL, empty_tiles INTEGER NOT NULL,
  raw_bytes INTEGER NOT NULL, stream_bytes INTEGER NOT NULL, model_id TEXT NOT NULL,
  added TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
CREATE TABLE IF NOT EXISTS tiles (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON,
  source_id INTEGER NOT NULL, source_path TEXT NOT NULL, source_sha256 TEXT NOT NULL,
  col INTEGER NOT NULL, row INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
  valid_width INTEGER NOT NULL, valid_height INTEGER NOT NULL, georeferenced INTEGER NOT NULL,
  crs TEXT, bands TEXT NOT NULL, source_bands TEXT NOT NULL, dtype TEXT NOT NULL, nodata REAL,
  normalisation TEXT NOT NULL, hash_hex TEXT NOT NULL, hash BLOB NOT NULL,
  hash_bits INTEGER NOT NULL, hash_logits BLOB, pack TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, mask_offset INTEGER, mask_length INTEGER, bits INTEGER NOT NULL,
  bpp REAL NOT NULL, psnr REAL, model_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tiles_source ON tiles(source_id);
CREATE TABLE IF NOT EXISTS image_tiles (
  fid INTEGER PRIMARY KEY, geom POLYGON, source_path TEXT NOT NULL,
  col INTEGER NOT NULL, row INTEGER NOT NULL, valid_width INTEGER NOT NULL,
  valid_height INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class TileRecord:
    """One catalog row of the ``tiles`` layer (``id`` = ``fid``)."""

    id: int
    source_id: int
    source_path: str
    source_sha256: str
    col: int
    row: int
    width: int
    height: int
    valid_width: int
    valid_height: int
    georeferenced: bool
    crs: str | None
    bands: tuple[str, ...]
    source_bands: tuple[int, ...]
    dtype: str
    nodata: float | None
    normalisation: dict[str, Any]
    hash_hex: str
    hash: bytes
    hash_bits: int
    hash_logits: bytes | None
    pack: str
    offset: int
    length: int
    mask_offset: int | None
    mask_length: int | None
    bits: int
    bpp: float
    psnr: float | None
    model_id: str
    footprint: list[tuple[float, float]] | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TileRecord:
        values = dict(row)
        values["id"] = values.pop("fid")
        blob = values.pop("geom")
        values["footprint"] = gpkg.polygon_from_blob(blob) if blob else None
        values["georeferenced"] = bool(values["georeferenced"])
        values["bands"] = tuple(json.loads(values["bands"]))
        values["source_bands"] = tuple(json.loads(values["source_bands"]))
        values["normalisation"] = json.loads(values["normalisation"])
        return cls(**values)

    @property
    def code_bits(self) -> np.ndarray:
        """The hash code as a uint8 0/1 vector of ``hash_bits`` entries."""
        return np.unpackbits(np.frombuffer(self.hash, dtype=np.uint8))[: self.hash_bits]


TILE_COLUMNS = [f.name for f in fields(TileRecord) if f.name not in ("id", "footprint")]


class Catalog:
    """The SQLite connection to ``catalog.gpkg`` and the few queries the archive needs."""

    def __init__(self, path: str | Path, create: bool = False, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not create and not self.path.exists():
            raise FileNotFoundError(self.path)
        if not create:
            problem = header_problem(self.path)
            if problem:
                raise catalog_damaged(self.path, problem)
        if read_only:
            self.conn = _connect_read_only(self.path)
        else:
            self.conn = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, factory=CatalogConnection
            )
            self.conn.catalog_path = self.path
            # FULL: a commit is on disk when COMMIT returns.
            self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = OFF")
        if create:
            # WAL (persistent in the file): searches and QGIS keep reading the last committed
            # state while a source's transaction is open.
            self.conn.execute("PRAGMA journal_mode = WAL")
            with self.transaction():
                gpkg.init_geopackage(self.conn)
                gpkg.execute_script(self.conn, _SCHEMA)
                gpkg.register_features(self.conn, "tiles", "geom", 4326, "archive tile footprints")
                gpkg.register_features(
                    self.conn,
                    "image_tiles",
                    "geom",
                    -1,
                    "tile footprints of non-georeferenced images (pixel space)",
                )
                gpkg.register_attributes(self.conn, "sources", "source rasters of the archive")
                gpkg.register_attributes(self.conn, "archive_meta", "archive facts (model, format)")
                self.conn.execute(
                    "INSERT OR IGNORE INTO archive_meta VALUES ('format_version', ?)",
                    (str(FORMAT_VERSION),),
                )
                self.conn.execute("INSERT OR IGNORE INTO archive_meta VALUES ('generation', '0')")

    # --- transactions and meta -------------------------------------------------------------

    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def meta(self) -> dict[str, str]:
        return {
            r["key"]: r["value"] for r in self.conn.execute("SELECT key, value FROM archive_meta")
        }

    def set_meta(self, values: dict[str, object]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO archive_meta VALUES (?, ?)",
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()],
        )

    @property
    def generation(self) -> int:
        """Bumped by every committed change to the tiles; the index records the one it saw."""
        row = self.conn.execute("SELECT value FROM archive_meta WHERE key='generation'").fetchone()
        return int(row["value"]) if row else 0

    # --- sources ---------------------------------------------------------------------------

    def source(self, path: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM sources WHERE path = ?", (path,)).fetchone()
        return dict(row) if row else None

    def sources(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM sources ORDER BY id")]

    def touch_source(self, path: str, size: int, mtime: float) -> None:
        """Record a new mtime for a source whose content (checksum) did not change."""
        with self.transaction():
            self.conn.execute(
                "UPDATE sources SET size=?, mtime=? WHERE path=?", (size, mtime, path)
            )

    def source_transaction(self, source: dict[str, Any]) -> SourceTransaction:
        return SourceTransaction(self, source)

    def replace_codes(
        self,
        codes: Sequence[tuple[int, bytes, np.ndarray]],
        model_id: str,
        meta: dict[str, object],
    ) -> None:
        """Give tiles new hash codes from another model, all in one transaction.

        ``codes``: (tile id, packed code, float32 logits) for every tile; ``meta``: the new
        model's archive facts. Tiles, sources and the archive record all name ``model_id``
        afterwards, and the generation moves on so that the saved index counts as stale.
        """
        rows = [
            (code, code.hex(), np.asarray(u, dtype="<f4").tobytes(), int(np.size(u)), model_id, i)
            for i, code, u in codes
        ]
        with self.transaction():
            self.conn.executemany(
                "UPDATE tiles SET hash=?, hash_hex=?, hash_logits=?, hash_bits=?, model_id=? "
                "WHERE fid=?",
                rows,
            )
            self.conn.execute("UPDATE sources SET model_id=?", (model_id,))
            self.set_meta(meta)
            self._bump()

    def remove_source(self, path: str) -> None:
        with self.transaction():
            self._delete_source(path)
            self._bump()

    def _delete_source(self, path: str) -> None:
        self.conn.execute("DELETE FROM image_tiles WHERE source_path = ?", (path,))
        self.conn.execute("DELETE FROM tiles WHERE source_path = ?", (path,))
        self.conn.execute("DELETE FROM sources WHERE path = ?", (path,))

    def _bump(self) -> None:
        self.conn.execute(
            "UPDATE archive_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
        )
        for table in ("tiles", "image_tiles"):
            self._grow_extent(table)

    def _grow_extent(self, table: str) -> None:
        """Union the layer's recorded extent with the envelopes of rows added since."""
        row = self.conn.execute(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (table,)
        ).fetchone()
        known = None if row is None or row[0] is None else tuple(row)
        last = int(self.meta().get(f"extent_rowid_{table}", "0"))
        extent = list(known) if known else None
        top = last
        for rowid, blob in self.conn.execute(
            f"SELECT rowid, geom FROM {table} WHERE rowid > ? AND geom IS NOT NULL", (last,)
        ):
            minx, maxx, miny, maxy = struct.unpack_from("<4d", blob, 8)
            if extent is None:
                extent = [minx, miny, maxx, maxy]
            else:
                extent = [
                    min(extent[0], minx),
                    min(extent[1], miny),
                    max(extent[2], maxx),
                    max(extent[3], maxy),
                ]
            top = max(top, rowid)
        if extent is not None:
            gpkg.update_extent(self.conn, table, extent)
        self.set_meta({f"extent_rowid_{table}": str(top)})

    # --- tiles -----------------------------------------------------------------------------

    def tile(self, tile_id: int) -> TileRecord | None:
        row = self.conn.execute(
            f"SELECT fid, geom, {', '.join(TILE_COLUMNS)} FROM tiles WHERE fid = ?", (int(tile_id),)
        ).fetchone()
        return TileRecord.from_row(row) if row else None

    def tiles(
        self, ids: Iterable[int] | None = None, source_path: str | None = None
    ) -> list[TileRecord]:
        select = f"SELECT fid, geom, {', '.join(TILE_COLUMNS)} FROM tiles"
        if ids is not None:
            wanted = [int(i) for i in ids]
            found: dict[int, TileRecord] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = self.conn.execute(
                    f"{select} WHERE fid IN ({', '.join('?' * len(chunk))})", chunk
                )
                found.update((r["fid"], TileRecord.from_row(r)) for r in rows)
            return [found[i] for i in wanted if i in found]
        if source_path is not None:
            rows = self.conn.execute(f"{select} WHERE source_path = ? ORDER BY fid", (source_path,))
        else:
            rows = self.conn.execute(f"{select} ORDER BY fid")
        return [TileRecord.from_row(r) for r in rows]

    def iter_tiles(self, source_path: str) -> Iterator[TileRecord]:
        """Tiles of one source, streamed from the database (for rasters of millions of tiles)."""
        cursor = self.conn.execute(
            f"SELECT fid, geom, {', '.join(TILE_COLUMNS)} FROM tiles WHERE source_path = ? "
            "ORDER BY fid",
            (source_path,),
        )
        for row in cursor:
            yield TileRecord.from_row(row)

    def count_tiles(self, source_path: str | None = None) -> int:
        if source_path is None:
            return self.conn.execute("SELECT count(*) FROM tiles").fetchone()[0]
        return self.conn.execute(
            "SELECT count(*) FROM tiles WHERE source_path = ?", (source_path,)
        ).fetchone()[0]

    def codes(self) -> tuple[np.ndarray, np.ndarray, int]:
        """All tile ids (int64) and hash codes (uint8, packed), and the code length in bits."""
        rows = self.conn.execute("SELECT fid, hash, hash_bits FROM tiles ORDER BY fid").fetchall()
        if not rows:
            bits = int(self.meta().get("hash_bits", "0") or 0)
            return np.zeros(0, np.int64), np.zeros((0, max(1, bits // 8)), np.uint8), bits
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        codes = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint8).reshape(len(rows), -1)
        return ids, codes.copy(), int(rows[0][2])

    def codes_after(self, last_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids (int64) and packed codes (uint8) of the tiles added after tile ``last_id``: what a
        searcher holding the archive up to that tile adds to its index."""
        rows = self.conn.execute(
            "SELECT fid, hash FROM tiles WHERE fid > ? ORDER BY fid", (int(last_id),)
        ).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return ids, np.zeros((0, 0), np.uint8)
        codes = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint8).reshape(len(rows), -1)
        return ids, codes.copy()

    def logits(self, ids: Sequence[int]) -> np.ndarray | None:
        """Hash-layer logits (float32, (len(ids), bits)) of tiles in the order asked.

        None if any of them is unknown or has no logits recorded.
        """
        wanted = [int(i) for i in ids]
        found: dict[int, bytes] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.conn.execute(
                f"SELECT fid, hash_logits FROM tiles WHERE fid IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update((r[0], r[1]) for r in rows)
        if any(found.get(i) is None for i in wanted):
            return None
        if not wanted:
            return np.zeros((0, 0), np.float32)
        return np.stack([np.frombuffer(found[i], dtype="<f4") for i in wanted]).astype(np.float32)

    def all_logits(self) -> tuple[np.ndarray, np.ndarray | None]:
        """All tile ids (int64, by id) and their hash-layer logits (float32, (n, bits)).

        The logits are None when any tile has none recorded (an archive written before they
        were kept); relevance feedback needs them for every tile it ranks.
        """
        rows = self.conn.execute("SELECT fid, hash_logits FROM tiles ORDER BY fid").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if any(r[1] is None for r in rows):
            return ids, None
        if not rows:
            return ids, np.zeros((0, 0), np.float32)
        logits = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
        return ids, logits.astype(np.float32)

    def pack_ends(self) -> dict[str, int]:
        """For each pack, the end of the last committed record (where appending may resume)."""
        ends: dict[str, int] = {}
        for pack, end in self.conn.execute(
            "SELECT pack, max(max(offset + length, coalesce(mask_offset + mask_length, 0))) "
            "FROM tiles GROUP BY pack"
        ):
            ends[pack] = int(end)
        return ends

    def close(self) -> None:
        self.conn.close()


def catalog_damaged(path: Path, problem: str) -> ArchiveDamagedError:
    """The error for a damaged catalog: names the file and the way to a report and recovery."""
    folder = path.parent
    return ArchiveDamagedError(
        f"the archive catalog {path} is damaged ({problem}). Run 'scicbir archive verify "
        f"{folder}' for a report, then restore {path.name} from a backup or run 'scicbir archive "
        f"recover {folder}' (docs/archive-format.md, 'Recovery')",
        archive=str(folder),
        file=str(path),
    )


def header_problem(path: Path) -> str | None:
    """What is wrong with the SQLite header of ``path`` (None: nothing seen), without SQLite.

    A truncated catalog is otherwise only noticed when a query reaches a missing page (in the
    middle of a search); its header still states how many pages the file had. The size stated
    is trusted only when SQLite marks it valid and no ``-wal`` file is pending (a checkpoint
    in progress may briefly leave the file shorter).
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        return str(exc)
    if size == 0:
        return None  # an empty file is an empty database to SQLite
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        return "not an SQLite database: its header is missing or overwritten"
    page_size = struct.unpack_from(">H", header, 16)[0]
    page_size = 65536 if page_size == 1 else page_size
    change, pages = struct.unpack_from(">II", header, 24)
    valid_for = struct.unpack_from(">I", header, 92)[0]
    wal = Path(f"{path}-wal")
    if pages and valid_for == change and not (wal.exists() and wal.stat().st_size):
        if size < pages * page_size:
            return f"the file is {size} bytes but its header says {pages * page_size}: truncated"
    return None


class CatalogCursor(sqlite3.Cursor):
    """A cursor that reports a damaged database file as ``ArchiveDamagedError``.

    SQLite only finds damage when a query reaches it, anywhere in the code; converting here
    means every command answers with the file and the way out instead of a traceback.
    """

    def _damaged(self, exc: sqlite3.DatabaseError) -> BaseException:
        if type(exc) is sqlite3.DatabaseError:  # malformed, not a database (not busy/locked)
            return catalog_damaged(self.connection.catalog_path, str(exc))
        return exc

    def execute(self, *args: Any) -> CatalogCursor:
        try:
            return super().execute(*args)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    def executemany(self, *args: Any) -> CatalogCursor:
        try:
            return super().executemany(*args)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc


class CatalogConnection(sqlite3.Connection):
    """``sqlite3.Connection`` whose statements run on ``CatalogCursor``s."""

    catalog_path: Path = Path("catalog.gpkg")

    def execute(self, *args: Any) -> CatalogCursor:
        return self.cursor(CatalogCursor).execute(*args)

    def executemany(self, *args: Any) -> CatalogCursor:
        return self.cursor(CatalogCursor).executemany(*args)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write the catalog (``mode=ro``), also on read-only media.

    In WAL mode a reader needs the ``-shm`` file; when it does not exist and the folder cannot
    be written (a read-only mount, another user's archive), ``mode=ro`` fails, and the file
    is opened ``immutable=1`` instead: no writer can hold it then (a writer would have created
    ``-shm``), so there is nothing to coordinate with.
    """
    base = "file:" + urllib.parse.quote(str(path.resolve()))
    options = {"uri": True, "timeout": 60, "isolation_level": None, "factory": CatalogConnection}
    conn = sqlite3.connect(f"{base}?mode=ro", **options)
    conn.catalog_path = path
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        text = str(exc)
        if "readonly" not in text and "unable to open" not in text:
            raise
    conn = sqlite3.connect(f"{base}?immutable=1", **options)
    conn.catalog_path = path
    return conn


class SourceTransaction:
    """Replacing one source's rows as one transaction, fed tile batch by tile batch.

    Entering deletes the source's old rows and inserts its ``sources`` row; ``add`` inserts
    tile rows as they are encoded (so a raster of millions of tiles never sits in memory);
    ``finish`` updates the source row's totals. Leaving commits (bumping the generation), or
    rolls everything back on an exception: readers only ever see the old or the whole new
    source. Tile rows hold ``TILE_COLUMNS`` (minus ``source_id``) plus ``geom`` (a blob or
    None) and optionally ``pixel_ring`` (pixel-space footprint for ``image_tiles``).
    """

    def __init__(self, catalog: Catalog, source: dict[str, Any]) -> None:
        self.catalog = catalog
        self.conn = catalog.conn
        self.source = source
        self.source_id: int | None = None
        self._tiles_sql = (
            f"INSERT INTO tiles ({', '.join(['geom', *TILE_COLUMNS])}) "
            f"VALUES ({', '.join('?' * (len(TILE_COLUMNS) + 1))})"
        )

    def __enter__(self) -> SourceTransaction:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.catalog._delete_source(self.source["path"])
            columns = list(self.source)
            cursor = self.conn.execute(
                f"INSERT INTO sources ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [self.source[c] for c in columns],
            )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.source_id = cursor.lastrowid
        return self

    def add(self, tiles: Sequence[dict[str, Any]]) -> list[int]:
        ids = []
        for tile in tiles:
            row = dict(tile, source_id=self.source_id)
            cursor = self.conn.execute(
                self._tiles_sql, [row.get(n) for n in ["geom", *TILE_COLUMNS]]
            )
            ids.append(cursor.lastrowid)
            ring = tile.get("pixel_ring")
            if ring is not None:
                self.conn.execute(
                    "INSERT INTO image_tiles VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        cursor.lastrowid,
                        gpkg.polygon_blob(ring, -1),
                        row["source_path"],
                        row["col"],
                        row["row"],
                        row["valid_width"],
                        row["valid_height"],
                    ),
                )
        return ids

    def finish(self, updates: dict[str, Any]) -> None:
        columns = list(updates)
        self.conn.execute(
            f"UPDATE sources SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            [*(updates[c] for c in columns), self.source_id],
        )

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.conn.execute("ROLLBACK")
            return
        try:
            self.catalog._bump()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
