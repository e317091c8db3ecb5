"""``Archive``: the archive folder as one object (catalog + packs + index + model identity).

Folder layout (see ``docs/archive-format.md``)::

    DIR/catalog.gpkg      GeoPackage: tiles layer (footprints + per-tile facts), sources, meta
    DIR/packs/pack-*.bin  append-only bitstream packs
    DIR/index.faiss       faiss binary index of the hash codes (ids = tile ids), derived data
    DIR/index.json        the catalog generation the index reflects

Read API (used by search, decode and the service)::

    with Archive.open(DIR) as archive:
        archive.model                    # ModelIdentity (id, checksum, bands, tile size, bits)
        archive.tile(42)                 # TileRecord, or InputError naming the missing id
        archive.tiles([3, 1, 2])         # TileRecords in the order asked (unknown ids dropped)
        archive.tiles_of_source(path)    # TileRecords of one source raster
        archive.logits([3, 1])           # hash-layer logits float32 (n, bits), for tie-breaks
        archive.sources()                # source rows (dicts)
        archive.index()                  # faiss IndexBinaryIDMap, rebuilt if stale
        archive.decode_tile(42)          # pixels in source units, source band order, nodata put back
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.archive.catalog import Catalog, TileRecord
from scicbir.archive.identity import ModelIdentity
from scicbir.archive.index import (
    clean_stale_temp_files,
    index_from_catalog,
    load_index,
    rebuild_index,
)
from scicbir.archive.packs import PackError, PackReader, PackWriter, unpack_mask
from scicbir.codec.normalisation import Normalisation
from scicbir.errors import ArchiveDamagedError, InputError

CATALOG = "catalog.gpkg"
PACKS = "packs"
LOCK = ".lock"


class Archive:
    """An archive folder. Create with ``Archive.create``, open with ``Archive.open``."""

    def __init__(self, folder: Path, catalog: Catalog) -> None:
        self.folder = folder
        self.catalog = catalog
        self.read_only = catalog.read_only
        self._lock_handle = None
        try:
            self.model = ModelIdentity.from_meta(catalog.meta())
        except sqlite3.OperationalError as exc:
            catalog.close()
            if "no such table" not in str(exc):
                raise
            raise ArchiveDamagedError(
                f"{catalog.path} has no archive tables: its creation was interrupted (by an "
                "older version) or it is not an archive catalog. Run 'scicbir archive verify "
                f"{folder}'; if packs/ is empty, delete {catalog.path} and compress again",
                archive=str(folder),
            ) from exc
        self._reader = PackReader(folder / PACKS)
        self._codec = None
        self._package = None

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: str | Path, package=None, read_only: bool = False) -> Archive:
        """Open an existing archive; with ``package``, refuse it unless it is the archive's model.

        ``read_only``: nothing in the folder is ever written (catalog opened ``mode=ro``, a stale
        or damaged index rebuilt in memory only): what searches, decodes and ``archive info`` use,
        so that an archive on a read-only share, or another user's, can be read. A writable open
        also removes temporary files left by a killed writer.
        """
        folder = Path(folder)
        path = folder / CATALOG
        if not path.is_file():
            raise InputError(
                f"{folder} is not a scicbir archive (no {CATALOG}); create one with "
                f"'scicbir compress SRC --archive {folder}'",
                archive=str(folder),
                reason="not_an_archive",
            )
        if not read_only:
            clean_stale_temp_files(folder)
        archive = cls(folder, Catalog(path, read_only=read_only))
        if package is not None:
            archive.use_package(package)
        return archive

    @classmethod
    def create(cls, folder: str | Path, package) -> Archive:
        """Open ``folder`` as an archive for ``package``, creating it if needed."""
        folder = Path(folder)
        if (folder / CATALOG).is_file():
            return cls.open(folder, package)
        refuse_packs_without_catalog(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # The writer lock first: of two first-time writers, the second is refused cleanly
        # instead of opening a catalog the first is still filling in.
        handle = _take_lock(folder)
        try:
            if (folder / CATALOG).is_file():  # made by a writer that finished meanwhile
                archive = cls.open(folder, package)
            else:
                refuse_packs_without_catalog(folder)
                clean_stale_temp_files(folder)
                _create_catalog(folder, package)
                archive = cls.open(folder)
                archive._package = package
        except BaseException:
            handle.close()
            raise
        archive._lock_handle = handle
        return archive

    def use_package(self, package) -> None:
        """Bind the model package used to decode; ``ModelMismatchError`` if it is another model."""
        identity = ModelIdentity.of_package(package)
        if self.model is None and self.read_only:
            self.model = identity  # recorded by the next writer, not by a reader
        elif self.model is None:
            with self.catalog.transaction():
                self.catalog.set_meta({**identity.to_meta(), "model_path": _package_path(package)})
            self.model = identity
        else:
            self.model.check(identity, str(self.folder), getattr(package, "stream_checksum", None))
        self._package = package
        self._codec = None

    @property
    def package(self):
        """The archive's model package (found by its recorded path or id, checksum verified)."""
        if self._package is None:
            from scicbir.models import resolve_model

            meta = self.catalog.meta()
            hint = meta.get("model_path")
            candidate = None
            quality = self.model.quality
            if hint and Path(hint).exists():
                candidate = resolve_model(hint, quality=quality)
            if (
                candidate is None
                or ModelIdentity.of_package(candidate).checksum != self.model.checksum
            ):
                try:
                    candidate = resolve_model(self.model.model_id, quality=quality)
                except InputError:
                    if candidate is None:
                        raise
                    # the recorded folder holds another model now: the check below says which
            self.use_package(candidate)
        return self._package

    def codec(self):
        """A ``TileCodec`` for the archive's model (created once)."""
        if self._codec is None:
            from scicbir.codec import TileCodec

            self._codec = TileCodec(self.package)
        return self._codec

    def lock(self) -> None:
        """Take the writer lock: one process at a time may add to an archive (held: no-op)."""
        if self._lock_handle is None:
            self._lock_handle = _take_lock(self.folder)
            clean_stale_temp_files(self.folder)

    def pack_writer(self) -> PackWriter:
        """A writer appending to the packs (call ``lock()`` first).

        ``ArchiveDamagedError`` when a pack is missing or shorter than the catalog says:
        appending there would bury the damage under new records.
        """
        meta = self.catalog.meta()
        preserved = json.loads(meta.get("preserved_pack_ends") or "{}")
        # Metadata records follow a source's last tile record: committed, though no tile row
        # points at them.
        for name, end in json.loads(meta.get("metadata_ends") or "{}").items():
            preserved[name] = max(int(preserved.get(name, 0)), int(end))
        try:
            return PackWriter(self.folder / PACKS, self.catalog.pack_ends(), preserved)
        except PackError as exc:
            raise ArchiveDamagedError(
                f"archive {self.folder} is damaged: {exc}. Nothing was written. Run "
                f"'scicbir archive verify {self.folder}' for the full report; restore the "
                "pack from a backup, or run 'scicbir archive recover "
                f"{self.folder}' to keep every tile that is still intact",
                archive=str(self.folder),
            ) from exc

    # --- reading ---------------------------------------------------------------------------

    def tile(self, tile_id: int) -> TileRecord:
        record = self.catalog.tile(tile_id)
        if record is None:
            raise InputError(
                f"archive {self.folder} has no tile {tile_id}; 'scicbir archive info "
                f"{self.folder}' lists what it holds",
                tile=tile_id,
            )
        return record

    def tiles(self, ids=None) -> list[TileRecord]:
        return self.catalog.tiles(ids)

    def tiles_of_source(self, path: str | Path) -> list[TileRecord]:
        """Tiles of a source, by the path it was compressed from (absolute or as given)."""
        key = self.source_key(path)
        return self.catalog.tiles(source_path=key) if key else []

    def source_key(self, path: str | Path) -> str | None:
        text = str(path)
        for candidate in (text, str(Path(text).resolve())):
            if self.catalog.source(candidate):
                return candidate
        return None

    def sources(self) -> list[dict[str, Any]]:
        return self.catalog.sources()

    def read_stream(self, tile: TileRecord) -> bytes:
        try:
            return self._reader.read(tile.pack, tile.offset, tile.length)
        except PackError as exc:
            raise ArchiveDamagedError(
                f"tile {tile.id}: {exc}; the archive is damaged (run 'scicbir archive verify "
                f"{self.folder}')",
                tile=tile.id,
            ) from exc

    def read_mask(self, tile: TileRecord) -> np.ndarray | None:
        """The tile's nodata mask (True = nodata) over its valid window, or None."""
        if tile.mask_offset is None:
            return None
        try:
            payload = self._reader.read(tile.pack, tile.mask_offset, tile.mask_length)
        except PackError as exc:
            raise ArchiveDamagedError(
                f"tile {tile.id}: {exc}; the archive is damaged (run 'scicbir archive verify "
                f"{self.folder}')",
                tile=tile.id,
            ) from exc
        return unpack_mask(payload)

    def tile_problem(self, tile: TileRecord) -> str | None:
        """Why a tile cannot be decoded (its stream or mask record fails its check), or None.

        Reads the records (a few hundred bytes) without decoding: cheap enough to check every
        search result, so that a damaged tile is flagged where it is listed.
        """
        try:
            self._reader.read(tile.pack, tile.offset, tile.length)
            if tile.mask_offset is not None:
                self._reader.read(tile.pack, tile.mask_offset, tile.mask_length)
        except PackError as exc:
            return str(exc)
        return None

    def decode_tile(self, tile: TileRecord | int) -> np.ndarray:
        """Decoded pixels of a tile's valid window: source dtype, source band order, nodata restored.

        Band order is ascending raster band number (``sorted(tile.source_bands)``).
        """
        if not isinstance(tile, TileRecord):
            tile = self.tile(int(tile))
        normalised = self.codec().decode(self.read_stream(tile))
        return to_source_units(tile, normalised, self.read_mask(tile))

    def logits(self, ids) -> np.ndarray | None:
        """Hash-layer logits of tiles (float32 ``(len(ids), bits)``), None if any is unknown."""
        return self.catalog.logits(ids)

    def index(self):
        """The faiss index of the hash codes, rebuilt when missing, stale or damaged.

        The rebuilt index is saved only by a writable open, and only when that works: a reader
        never needs write access (on a read-only or full disk the in-memory index serves).
        """
        expected = self.catalog.meta().get("index_sha256")
        index = load_index(self.folder, self.catalog.generation, expected)
        if index is not None:
            return index
        if self.read_only:
            return index_from_catalog(self.catalog)
        try:
            return rebuild_index(self.catalog, self.folder)
        except (OSError, sqlite3.Error) as exc:
            warnings.warn(
                f"the rebuilt index of {self.folder} could not be saved ({exc}); it is used from "
                "memory. Free disk space or fix permissions, then run 'scicbir index rebuild "
                f"{self.folder}'",
                stacklevel=2,
            )
            return index_from_catalog(self.catalog)

    def rebuild_index(self):
        """Rebuild and save the index under the writer lock: its checksum goes into the
        catalog, so a compress must not write both at the same time."""
        self.lock()
        return rebuild_index(self.catalog, self.folder)

    def close(self) -> None:
        self._reader.close()
        self.catalog.close()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _take_lock(folder: Path):
    """The folder's writer lock (``flock`` on ``.lock``), or ``InputError`` when it is held."""
    handle = open(folder / LOCK, "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise InputError(
            f"another scicbir process is writing to the archive {folder}; "
            "wait for it to finish (or stop it) and run again",
            archive=str(folder),
        ) from exc
    return handle


def _create_catalog(folder: Path, package) -> None:
    """Write a new catalog under a temporary name and rename it into place.

    Nobody ever sees a catalog without its tables: a reader finds either no catalog or a
    whole one, and a kill leaves only a ``.catalog.gpkg.tmp-PID`` for the next writer to remove.
    """
    tmp = folder / f".{CATALOG}.tmp-{os.getpid()}"
    leftovers = (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        catalog = Catalog(tmp, create=True)
        try:
            identity = ModelIdentity.of_package(package)
            with catalog.transaction():
                catalog.set_meta({**identity.to_meta(), "model_path": _package_path(package)})
        finally:
            catalog.close()
        os.replace(tmp, folder / CATALOG)
    except (sqlite3.OperationalError, OSError) as exc:
        # A full disk (SQLite: "database or disk is full"), a quota or a file size limit
        # ("disk I/O error"): no half-made catalog stays behind, and the user learns how much
        # room a new archive needs instead of reading a SQLite traceback.
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise catalog_not_written(folder, exc) from exc
    fsync_dir(folder)


#: Disk space a new catalog needs while it is made: measured 60 KiB of catalog, 70 KiB of
#: write-ahead log and 32 KiB of SQLite shared memory at the peak, with room to spare.
NEW_CATALOG_BYTES = 256 * 1024


def catalog_not_written(folder: Path, exc: BaseException) -> InputError:
    """The error for a new catalog the disk refused: the folder, the space to free, what next."""
    try:
        free: int | None = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < NEW_CATALOG_BYTES:
        room = (
            f"free at least {_size(NEW_CATALOG_BYTES - free)} more on its disk ({_size(free)} free)"
        )
    else:
        room = (
            f"its disk has {_size(free) if free is not None else 'enough'} free, so a quota or a "
            "file size limit refused the write: raise it or choose another folder"
        )
    return InputError(
        f"archive {folder} cannot be written ({exc}): its new catalog {folder / CATALOG} needs "
        f"about {_size(NEW_CATALOG_BYTES)}, then roughly 2 KiB per tile it stores (row and "
        f"bitstream); {room}, then run the same command again. Nothing was written",
        archive=str(folder),
        needed_bytes=NEW_CATALOG_BYTES,
    )


def _size(n: int) -> str:
    """Bytes as a short human figure (KiB, MiB, GiB)."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{max(1, round(n / 1024))} KiB"


def existing_packs(folder: Path) -> list[Path]:
    """Pack files of an archive folder holding at least one byte."""
    packs = folder / PACKS
    if not packs.is_dir():
        return []
    return sorted(p for p in packs.glob("pack-*.bin") if p.is_file() and p.stat().st_size > 0)


def refuse_packs_without_catalog(folder: Path) -> None:
    """Refuse to start a new catalog beside packs that hold records.

    A new catalog references nothing, so the pack writer would treat every existing byte as
    uncommitted and drop it: all bitstreams would be gone, and a backup of the old catalog
    useless. The packs are left untouched and the user is told how to get the catalog back.
    """
    packs = existing_packs(folder)
    if not packs:
        return
    listed = ", ".join(f"{p.name} ({p.stat().st_size} bytes)" for p in packs)
    raise ArchiveDamagedError(
        f"{folder / CATALOG} is missing but {folder / PACKS} holds {listed}. Nothing was "
        f"written. Restore {CATALOG} from a backup (its tiles are still in the packs), or run "
        f"'scicbir archive recover {folder}' (docs/archive-format.md, 'Recovery') to start a new "
        "catalog that keeps the packs' bytes, or move the packs folder away to start an empty "
        "archive here",
        archive=str(folder),
        packs=[p.name for p in packs],
    )


def to_source_units(
    tile: TileRecord, normalised: np.ndarray, mask: np.ndarray | None
) -> np.ndarray:
    """Normalised codec output (model band order, padded) -> the tile's pixels as stored at source."""
    norm = Normalisation.from_dict(tile.normalisation)
    values = norm.inverse(normalised[:, : tile.valid_height, : tile.valid_width])
    order = sorted(range(len(tile.source_bands)), key=lambda i: tile.source_bands[i])
    values = values[order]
    out = Normalisation.to_dtype(values, np.dtype(tile.dtype))
    fill = decoded_nodata(tile.dtype, tile.nodata)
    if mask is not None and fill is not None:
        out[:, mask] = np.asarray(fill).astype(out.dtype)
    return out


def decoded_nodata(dtype: str | np.dtype, nodata: float | None) -> float | None:
    """The nodata value of decoded pixels: the source's, or NaN for a float source without one.

    Compress treats NaN, inf and fill values of magnitude 1e38 or more as nodata also where the
    source declares no nodata value, and codes them as the tile mean; decoding must not hand that
    fill back as if it were a measurement. A float source without a nodata value therefore
    decodes them as NaN, and its decoded GeoTIFFs declare NaN as their nodata value (windows that
    held only nodata, never stored, come back as NaN too). An integer source without a nodata
    value has no nodata pixels (none of those values fits an integer type): None.
    """
    if nodata is not None:
        return nodata
    if np.issubdtype(np.dtype(dtype), np.floating):
        return float("nan")
    return None


def _package_path(package) -> str:
    for name in ("path", "folder", "root", "directory"):
        value = getattr(package, name, None)
        if value:
            return str(Path(value).resolve())
    return ""


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
