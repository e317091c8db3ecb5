"""The batch job: compress every raster under a folder into an archive folder.

Per source: skip it if the catalog already holds it unchanged (same size and mtime, or same
sha256); otherwise map its bands, choose its normalisation, cut it on the model's tile grid
(windowed reads), encode and hash each tile, append the bitstreams to the packs, ``fsync``
them, and only then commit the source's tiles in one catalog transaction that also removes the
tiles of its previous version. A kill at any moment therefore leaves the catalog with whole
sources only, and running the job again continues with the first source not committed, never
duplicating a tile. Errors caused by one file (unreadable, wrong bands, bad CRS) are recorded in
the summary and the batch goes on. The faiss index is rebuilt at the end.
"""

from __future__ import annotations

import errno
import json
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.archive import gpkg, metadata
from scicbir.archive.cluster import ClusterError, DaskBatchEncoder
from scicbir.archive.encoder import BatchEncoder, TileBatchEncoder
from scicbir.archive.packs import PackError, pack_mask
from scicbir.archive.prepare import map_to_model, normalisation_for, range_note
from scicbir.archive.store import CATALOG, Archive
from scicbir.errors import ArchiveDamagedError, CancelledError, InputError, UserFacingError
from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.rasters import RasterSource, TileGrid, find_sources, read_tiles
from scicbir.rasters.discover import SourceSpec
from scicbir.rasters.footprint import (
    check_wgs84_transformable,
    footprints_wgs84,
    pixel_footprints,
)


@dataclass
class SourceResult:
    """What happened to one source: added, replaced, unchanged, or failed (with the reason).

    A failed source carries, beside the English ``error`` text, the machine-readable ``code``
    and ``reason`` of the error (``docs/protocol.md``, "Reasons") and the reason's fields in
    ``data``, so that a client words the failure itself (the QGIS plugin translates it)."""

    path: str
    status: str
    tiles: int = 0
    empty_tiles: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: values outside the model's input range, clipped before coding (see ``normalise``)
    clipped_values: int = 0
    #: the error's code (``invalid_input``, ``internal_error``...), failed sources only
    code: str | None = None
    #: the finer reason (``raster_damaged``, ``bands_mismatch``, ``disk_full``...), when known
    reason: str | None = None
    #: the reason's fields (``bands``, ``crs``...), JSON-safe
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failure(cls, path: str, exc: BaseException, error: str | None = None) -> SourceResult:
        """A failed source from the exception that failed it: ``code``, ``reason`` and fields
        come from the exception (a ``UserFacingError``'s ``code`` and ``data``), never from
        its text; ``error`` replaces the exception's text (e.g. to name the file)."""
        if isinstance(exc, UserFacingError):
            code = exc.code
            fields = {k: _json_safe(v) for k, v in exc.data.items() if k != "reason"}
            reason = exc.data.get("reason")
        else:
            code, fields, reason = "internal_error", {}, None
        return cls(
            path,
            "failed",
            error=error if error is not None else str(exc),
            code=code,
            reason=str(reason) if reason else None,
            data=fields,
        )


@dataclass
class CompressSummary:
    archive: str
    sources: list[SourceResult] = field(default_factory=list)
    seconds: float = 0.0
    tiles: int = 0
    source_bytes: int = 0
    stream_bytes: int = 0
    tile_size: int = 0

    @property
    def mean_bpp(self) -> float | None:
        """Mean bits per pixel of the tiles added by this run (coded tile area)."""
        if not self.tiles or not self.tile_size:
            return None
        return 8.0 * self.stream_bytes / (self.tiles * self.tile_size**2)

    @property
    def failed(self) -> list[SourceResult]:
        return [s for s in self.sources if s.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        return sum(1 for s in self.sources if s.status == status)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            ok=self.ok,
            added=self.count("added"),
            replaced=self.count("replaced"),
            unchanged=self.count("unchanged"),
            failed=len(self.failed),
            tiles_per_s=self.tiles / self.seconds if self.seconds else 0.0,
            mean_bpp=self.mean_bpp,
            clipped_values=sum(s.clipped_values for s in self.sources),
            # the catalog GeoPackage a GIS loads as the archive's footprint layer
            catalog=str(Path(self.archive) / CATALOG),
        )
        return data


@dataclass
class CompressOptions:
    bands: Sequence[int | str] | None = None
    band_names: Sequence[str] | str | None = None
    workers: int = 0  # 0 = auto (see ``auto_workers``)
    batch_size: int = 8
    psnr: bool = True
    quality: int | None = None  # the model's rate point (None: the archive's, or the default)
    #: a Dask scheduler address or ``local:N`` (``scicbir.archive.cluster``): encode there
    cluster: str | None = None


def compress_folder(
    src: str | Path,
    archive_dir: str | Path,
    model: str | None = None,
    *,
    options: CompressOptions | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> CompressSummary:
    """Compress every raster under ``src`` into the archive ``archive_dir`` (created if needed).

    ``model``: a model name or package path; default: the archive's model, or the registry's
    default for the sources' band count. Raises ``ModelMismatchError`` if ``model`` is not the
    archive's model and ``CancelledError`` when cancelled (the archive stays consistent).
    """
    options = options or CompressOptions()
    progress = progress or no_progress
    started = time.perf_counter()
    archive_dir = Path(archive_dir).resolve()
    src = Path(src)
    if not src.exists():
        raise InputError(
            f"{src} does not exist; give a raster file or a folder of rasters", file=str(src)
        )
    specs = find_sources(src, exclude=[archive_dir])
    summary = CompressSummary(str(archive_dir))
    if not specs:
        raise InputError(f"no raster files found under {src}", file=str(src))

    # Scan: open each source once for its size (progress total) and to find broken files early.
    plan: list[tuple[SourceSpec, int]] = []
    package = _resolve_package(archive_dir, model, specs, options.quality)
    tile_size = int(package.config.tile_size)
    for spec in specs:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with RasterSource(spec.path, spec.files, spec.band_names or None) as source:
                    plan.append((spec, len(TileGrid(source.width, source.height, tile_size))))
        except UserFacingError as exc:
            summary.sources.append(SourceResult.failure(str(spec.path), exc))
    total = sum(n for _, n in plan)
    summary.tile_size = tile_size

    import rasterio

    try:
        archive = Archive.create(archive_dir, package)
    except InputError as exc:
        if "needed_bytes" in exc.data:  # the disk refused the new catalog: a stop, as below
            summary.seconds = time.perf_counter() - started
            exc.summary = summary  # type: ignore[attr-defined]
        raise
    try:
        archive.lock()
        writer = archive.pack_writer()  # refuses a damaged archive before any work
    except BaseException:
        archive.close()
        raise
    # Tiles are read row of tiles by row of tiles: a small block cache holds a row's strips
    # (GDAL's default, 5% of RAM, would let the cache grow to gigabytes on a large raster).
    gdal_env = rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB)
    gdal_env.__enter__()
    encoder: TileBatchEncoder | None = None
    done = 0
    try:
        encoder = _encoder(package, archive, options, total, cancel)
        for spec, n_windows in plan:
            if cancel is not None:
                cancel.raise_if_cancelled("compress")
            progress(done, total, f"{spec.path.name}", source=str(spec.path))
            position = writer.position()
            try:
                result = _compress_source(
                    archive,
                    writer,
                    encoder,
                    package,
                    spec,
                    options,
                    _ticker(progress, done, total, spec.path.name),
                    cancel,
                )
            except (CancelledError, ArchiveDamagedError):
                raise
            except ClusterError as exc:  # no worker can encode: the next source would fail too
                raise _stopped(summary, spec, exc, started) from exc
            except UserFacingError as exc:
                result = SourceResult.failure(str(spec.path), exc, _naming(spec.path, exc))
            except (sqlite3.Error, PackError) as exc:
                stop = InputError(
                    f"archive {archive_dir} cannot be written ({exc}); check free disk space and "
                    "permissions, then run the same command again",
                    archive=str(archive_dir),
                    reason=_write_failure_reason(exc),
                )
                raise _stopped(summary, spec, stop, started) from exc
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG):
                    stop = InputError(
                        f"archive {archive_dir} cannot be written ({exc}); free disk space, then "
                        "run the same command again",
                        archive=str(archive_dir),
                        reason=_write_failure_reason(exc),
                    )
                    raise _stopped(summary, spec, stop, started) from exc
                result = SourceResult.failure(
                    str(spec.path), InputError(str(exc), errno=exc.errno), f"{spec.path}: {exc}"
                )
            except Exception as exc:  # a file GDAL chokes on mid-read: report it, keep going
                result = SourceResult.failure(
                    str(spec.path), exc, f"{spec.path}: {type(exc).__name__}: {exc}"
                )
            if result.status == "failed":
                writer.rollback(position)  # no dead bytes from a source that failed half-way
            summary.sources.append(result)
            summary.tiles += result.tiles if result.status in ("added", "replaced") else 0
            done += n_windows
        progress(total, total, "index")
        try:
            archive.rebuild_index()
        except (OSError, sqlite3.Error) as exc:
            # every source is committed; the index is derived data that searches rebuild in
            # memory when it is missing or stale, so a full disk here costs no tile
            summary.warnings.append(
                f"{archive_dir}: the search index could not be saved ({exc}); searches rebuild "
                "it in memory until 'scicbir index rebuild' succeeds (free some space first)"
            )
    finally:
        gdal_env.__exit__(None, None, None)
        if encoder is not None:
            encoder.close()
        writer.close()
        archive.close()
    summary.sources.sort(key=lambda s: s.path)
    with Archive.open(archive_dir) as done_archive:
        rows = {s["path"]: s for s in done_archive.sources()}
    for s in summary.sources:
        if s.status in ("added", "replaced") and s.path in rows:
            summary.source_bytes += int(rows[s.path]["raw_bytes"])
            summary.stream_bytes += int(rows[s.path]["stream_bytes"])
    summary.seconds = time.perf_counter() - started
    return summary


GDAL_CACHE_MB = 256

#: Append metadata records (``scicbir.archive.metadata``) with every committed source. Only
#: tests turn it off, to make archives as older versions wrote them.
WRITE_METADATA_RECORDS = True


def auto_workers(total_tiles: int) -> int:
    """Encoding processes when not chosen: two on a machine with two or more cores.

    Measured with ``benchmarks/bench_archive.py`` on 2 shared cores: two single-threaded
    worker processes encoded 2.2 tiles/s against 0.6 tiles/s for one process with two torch
    threads (same streams). Starting the pool costs a few seconds (each worker imports torch
    and loads the model), so small jobs stay in-process.
    """
    if (os.cpu_count() or 1) < 2 or total_tiles < 64:
        return 1
    return 2


def _encoder(
    package, archive: Archive, options: CompressOptions, total: int, cancel: CancelToken | None
) -> TileBatchEncoder:
    """Where batches are encoded: on a Dask cluster when ``options.cluster`` names one, else
    in this process or a pool of ``options.workers`` processes (``auto_workers`` when 0)."""
    if options.cluster:
        return DaskBatchEncoder(package, options.cluster, options.psnr, cancel)
    workers = options.workers or auto_workers(total)
    return BatchEncoder(package, archive.codec, workers, options.psnr)


def _resolve_package(
    archive_dir: Path, model: str | None, specs: list[SourceSpec], quality: int | None = None
):
    """The model to use: as given (checked against the archive later), the archive's, or a
    default; at rate point ``quality`` when given (an archive keeps the point it was made with)."""
    from scicbir.models import resolve_model

    if model is None and (archive_dir / "catalog.gpkg").is_file():
        # read-only: only a look at the recorded model (the writer opens the archive later)
        with Archive.open(archive_dir, read_only=True) as archive:
            # a catalog rebuilt without a recorded model falls through to the choice by bands
            package = archive.package if archive.model is not None else None
        if package is not None:
            if quality is None:
                return package
            from scicbir.models import ModelPackage

            return ModelPackage.load(package.path).at_quality(quality)
    if model is not None:
        return resolve_model(model, quality=quality)  # band mapping is checked per source
    num_bands = None
    first = None
    for spec in specs:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with RasterSource(spec.path, spec.files, spec.band_names or None) as source:
                    num_bands, first = source.count, spec.path
                    break
        except UserFacingError:
            continue
    try:
        return resolve_model(model, num_bands=num_bands, quality=quality)
    except InputError as exc:
        if first is None:
            raise
        # The model is chosen by the first readable raster's band count: say which one.
        raise InputError(
            f"{first}: {exc} (the model is chosen by this raster's band count, {num_bands}); "
            "or give --model and --bands to feed some of its bands to a model",
            **(exc.data | {"file": str(first)}),
        ) from exc


@dataclass
class PreparedSource:
    """A source ready to be tiled and encoded: the open raster, its band mapping and
    normalisation, and the catalog facts its rows carry (step 1 of ``_compress_source``)."""

    path: str
    source: RasterSource
    size: int
    mtime: float
    checksum: str
    previous: dict[str, Any] | None
    bands: list[int]
    band_mapping: str
    norm: Any
    grid: TileGrid
    notes: list[str]

    def source_row(self, model) -> dict[str, Any]:
        """The ``sources`` row (tile counts filled in when the source's tiles are written)."""
        source, norm = self.source, self.norm
        return {
            "path": self.path,
            "files": json.dumps([str(f) for f in source.files]),
            "size": self.size,
            "mtime": self.mtime,
            "sha256": self.checksum,
            "width": source.width,
            "height": source.height,
            "band_count": source.count,
            "dtype": source.dtype.name,
            "nodata": source.nodata,
            "crs_wkt": source.crs_wkt,
            "epsg": source.epsg,
            "transform": json.dumps(list(source.transform)[:6]),
            "georeferenced": int(source.georeferenced),
            "source_bands": json.dumps(self.bands),
            "band_names": json.dumps(list(source.band_names)),
            "band_mapping": self.band_mapping,
            "norm_kind": norm.kind,
            "norm_offset": json.dumps(norm.offset.tolist()),
            "norm_scale": json.dumps(norm.scale.tolist()),
            "tiles": 0,
            "empty_tiles": 0,
            "raw_bytes": source.band_raw_bytes(self.bands),
            "stream_bytes": 0,
            "model_id": model.model_id,
        }

    def tile_common(self, model) -> dict[str, Any]:
        """The fields every ``tiles`` row of this source shares."""
        source = self.source
        crs_text = (
            (f"EPSG:{source.epsg}" if source.epsg else source.crs_wkt)
            if source.georeferenced
            else None
        )
        return {
            "source_path": self.path,
            "source_sha256": self.checksum,
            "width": model.tile_size,
            "height": model.tile_size,
            "georeferenced": int(source.georeferenced),
            "crs": crs_text,
            "bands": json.dumps(list(model.bands)),
            "source_bands": json.dumps(self.bands),
            "dtype": source.dtype.name,
            "nodata": source.nodata,
            "normalisation": json.dumps(self.norm.as_dict()),
            "hash_bits": model.hash_bits,
            "model_id": model.model_id,
        }


def prepare_source(
    archive: Archive,
    package,
    spec: SourceSpec,
    options: CompressOptions,
    source: RasterSource,
    notes: list[str],
) -> PreparedSource | SourceResult:
    """Step 1: the unchanged check (size and mtime, then checksum), the band mapping and the
    normalisation. A ``SourceResult`` when the source is already in the archive as it is."""
    path = str(spec.path)
    catalog = archive.catalog
    size, mtime = source.stat()
    previous = catalog.source(path)
    checksum = None
    if previous is not None:
        if previous["size"] == size and previous["mtime"] == mtime:
            return SourceResult(path, "unchanged", previous["tiles"], previous["empty_tiles"])
        checksum = source.checksum()
        if previous["sha256"] == checksum:
            catalog.touch_source(path, size, mtime)
            return SourceResult(path, "unchanged", previous["tiles"], previous["empty_tiles"])
    checksum = checksum or source.checksum()
    if source.georeferenced:
        check_wgs84_transformable(path, source.transform, source.crs)
    mapping, mapping_notes = map_to_model(
        path, source, archive.model.bands, options.bands, options.band_names
    )
    notes += mapping_notes
    bands = list(mapping.indexes)
    norm = normalisation_for(package, source, bands)
    note = range_note(path, norm)
    if note:
        notes.append(note)
    grid = TileGrid(source.width, source.height, archive.model.tile_size)
    return PreparedSource(
        path, source, size, mtime, checksum, previous, bands, mapping.how, norm, grid, notes
    )


def tile_rows(prepared: PreparedSource, common: dict[str, Any], writer, tiles, results, tile_size):
    """Step 3: each encoded tile's stream (and nodata mask, in the same pack) appended to the
    packs, and its catalog row with its footprint; returns (rows, stream bytes written)."""
    rows = []
    written = 0
    for tile, res in zip(tiles, results, strict=True):
        pack, offset, length = writer.append(res.stream)
        mask_offset = mask_length = None
        if tile.nodata_mask is not None:
            mask = pack_mask(tile.nodata_mask)
            _, mask_offset, mask_length = writer.append(mask, same_pack=True)
        written += length
        w = tile.window
        rows.append(
            dict(
                common,
                col=w.col,
                row=w.row,
                valid_width=w.valid_width,
                valid_height=w.valid_height,
                hash_hex=res.code.hex(),
                hash_logits=res.logits,
                hash=res.code,
                pack=pack,
                offset=offset,
                length=length,
                mask_offset=mask_offset,
                mask_length=mask_length,
                bits=8 * length,
                bpp=8 * length / float(tile_size * tile_size),
                psnr=res.psnr,
            )
        )
    source = prepared.source
    windows = [t.window for t in tiles]
    if source.georeferenced:
        rings = footprints_wgs84(source.transform, source.crs, windows)
        for row, ring in zip(rows, rings, strict=True):
            row["geom"] = gpkg.polygon_blob(ring, 4326)
    else:
        for row, ring in zip(rows, pixel_footprints(windows), strict=True):
            row["pixel_ring"] = ring
    return rows, written


def _compress_source(
    archive: Archive,
    writer,
    encoder: TileBatchEncoder,
    package,
    spec: SourceSpec,
    options: CompressOptions,
    tick,
    cancel: CancelToken | None,
) -> SourceResult:
    """One source through the ingest pipeline: prepare (``prepare_source``), encode batches
    (``encoder``), write streams and rows (``tile_rows``), commit in one catalog transaction."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = RasterSource(spec.path, spec.files, spec.band_names or None)
    notes = [str(w.message) for w in caught]
    with source:
        prepared = prepare_source(archive, package, spec, options, source, notes)
        if isinstance(prepared, SourceResult):
            return prepared
        path, grid, model = prepared.path, prepared.grid, archive.model
        tile_size = model.tile_size
        common = prepared.tile_common(model)
        clipped = [0]  # values clipped to the model's input range, over the whole source

        def batches():  # step 2: tiles read window by window, normalised, in batches
            batch = []
            for k, tile in enumerate(read_tiles(source, tile_size, prepared.bands)):
                batch.append(tile)
                if len(batch) == options.batch_size:
                    yield _batch_args(batch, prepared.norm, clipped)
                    batch = []
                    tick(k)
            if batch:
                yield _batch_args(batch, prepared.norm, clipped)

        stored = stream_bytes = 0
        tile_records: list[tuple[str, int, int]] = []  # this source's metadata tiles records
        # One transaction for the whole source, fed batch by batch: memory stays bounded by a
        # batch however many tiles the raster has, and the source appears whole or not at all.
        with archive.catalog.source_transaction(prepared.source_row(model)) as tx:
            for tiles, results in encoder.map(batches()):
                if cancel is not None:
                    cancel.raise_if_cancelled("compress")
                rows, written = tile_rows(prepared, common, writer, tiles, results, tile_size)
                stream_bytes += written
                ids = tx.add(rows)
                if WRITE_METADATA_RECORDS:
                    tile_records.append(writer.append(metadata.tiles_record(rows, ids)))
                stored += len(rows)
            tx.finish(
                {"tiles": stored, "empty_tiles": len(grid) - stored, "stream_bytes": stream_bytes}
            )
            if WRITE_METADATA_RECORDS:  # the packs alone can rebuild this source's rows
                metadata.write_source_record(archive.catalog, writer, tx.source_id, tile_records)
            writer.sync()  # records durable before the rows pointing at them commit
    status = "replaced" if prepared.previous is not None else "added"
    if not stored:
        notes.append(
            f"{path}: holds only nodata (every pixel is the nodata value, NaN, inf or a fill "
            "value), so no tile was stored and searches will never return it; check its nodata "
            "value if it should have data"
        )
    if clipped[0]:
        notes.append(
            f"{path}: {clipped[0]} values lie far outside the model's input range and were "
            "clipped to it (e.g. an undeclared fill value or outliers); declare the raster's "
            "nodata value if they are fill"
        )
    return SourceResult(
        path, status, stored, len(grid) - stored, warnings=notes, clipped_values=clipped[0]
    )


def _stopped(
    summary: CompressSummary, spec: SourceSpec, error: UserFacingError, started: float
) -> UserFacingError:
    """``error``, which stops the whole batch, carrying the summary of what was done before
    (``error.summary``), so that a caller can still report it: the sources committed before
    the stop are in the archive, and the source being written is listed as failed."""
    summary.sources.append(SourceResult.failure(str(spec.path), error))
    summary.sources.sort(key=lambda s: s.path)
    summary.seconds = time.perf_counter() - started
    error.summary = summary  # type: ignore[attr-defined]
    return error


#: errno values of a write the disk refused for lack of room (EFBIG: a file size limit or
#: quota, which the user resolves the same way, by making room or choosing another disk)
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
#: SQLite's primary result code for "database or disk is full"
SQLITE_FULL = 13


def _write_failure_reason(exc: BaseException) -> str:
    """The reason code of an archive write that failed: ``disk_full`` when the disk (or a
    quota) refused the bytes, as the OS or SQLite reports it, else ``archive_unwritable``
    (read-only disk, permissions, I/O error)."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return "disk_full"
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF == SQLITE_FULL:
            return "disk_full"
    return "archive_unwritable"


def _json_safe(value: Any) -> Any:
    """An error field as JSON can carry it: lists and dicts recursively, non-finite floats and
    other objects as text (JSON has no inf or NaN, and a client must be able to parse it)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def _naming(path: Path, exc: Exception) -> str:
    """The error message of a failed source, naming the file (some layers cannot know it)."""
    message = str(exc)
    return message if str(path) in message else f"{path}: {message}"


def _ticker(progress: Progress, done: int, total: int, name: str):
    return lambda k: progress(done + k, total, name)


def _batch_args(batch, norm, clipped: list[int]):
    masks = [t.nodata_mask for t in batch]
    valid = [(t.window.valid_height, t.window.valid_width) for t in batch]
    tiles, count = norm.forward_counted(np.stack([t.data for t in batch]), valid, masks)
    clipped[0] += count
    return tiles, masks, valid, batch
