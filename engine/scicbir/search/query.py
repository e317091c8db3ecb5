"""``Searcher``: queries against one archive, with the model and index kept loaded.

Three kinds of query, one ranking machinery (``knn`` + ``merge``):

- ``search_region(raster, geometry | bbox, crs)``: the region is mapped to the model tiles of the
  raster (``region.py``), they are read with the archive's own tiling, band mapping and
  normalisation, hashed, and searched as one multi-code query;
- ``search_raster(raster)``: every tile of a raster is a query tile;
- ``search_tile(tile_id)``: an archive tile's stored code is the query (nothing is read).

**Self-exclusion** (on by default): a user asking "where else does this occur?" does not want
back the tiles they drew on. When the query raster is one of the archive's sources (same path,
or same content by sha256), archive tiles of that source overlapping the query tiles are left
out; a tile query leaves out the tile itself. Turn it off to check that a tile finds itself.

The query raster is prepared exactly as ``compress`` prepared archived rasters (same tile grid,
band mapping rules, nodata handling, normalisation choice; for an archived raster its recorded
normalisation), so a query tile that is in the archive gets the very same code.

A ``Searcher`` holds the hasher (ONNX or torch, ``hasher.py``) and the faiss index; the catalog
is opened per query (SQLite connections are per thread, and the service answers queries from a
thread pool). The index is reloaded when the catalog's generation changes (tiles added).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress
from scicbir.search import sized_index
from scicbir.search.hasher import Hasher
from scicbir.search.hits import Hit, QueryTile, SearchResult
from scicbir.search.merge import merge_min
from scicbir.search.region import (
    GridTile,
    bbox_geometry,
    parse_geometry,
    select_tiles,
    to_raster_crs,
)
from scicbir.search.tie_groups import SearchIndex, search_index

DEFAULT_K = 20
_HASH_BATCH = 64  # query tiles read and hashed together
MERGE_RULE = "min"


class _Prepared:
    """A query raster opened and mapped the way ``compress`` maps it."""

    def __init__(
        self,
        searcher: Searcher,
        archive: Any,
        raster: str | Path,
        bands: Sequence[int | str] | None,
        band_names: Sequence[str] | str | None,
    ) -> None:
        from scicbir.archive.prepare import map_to_model
        from scicbir.rasters import RasterSource, find_sources

        path = Path(raster)
        if not path.exists():
            raise InputError(
                f"{path} does not exist; give the raster file to search from",
                file=str(path),
                reason="raster_missing",
            )
        specs = find_sources(path)
        if len(specs) != 1:
            raise InputError(
                f"{path} holds {len(specs)} rasters; give one raster file (or one band-file "
                "folder such as a BigEarthNet patch)",
                file=str(path),
            )
        spec = specs[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.source = RasterSource(spec.path, spec.files, spec.band_names or None)
        try:
            self.path = str(spec.path)
            self.mapping, notes = map_to_model(
                self.path, self.source, archive.model.bands, bands, band_names
            )
            for note in notes:  # as compress notes them for a stored source
                warnings.warn(note, stacklevel=3)
            self.bands = list(self.mapping.indexes)
            self.archived, self.unchanged = searcher._archived_source(
                archive, self.source, self.path
            )
        except BaseException:
            self.source.close()
            raise
        self._searcher = searcher
        self._norm: Any = None

    @property
    def norm(self) -> Any:
        """The normalisation ``compress`` used or would use (measured only when needed)."""
        if self._norm is None:
            self._norm = self._searcher._normalisation(self.source, self.bands, self.archived)
        return self._norm

    def close(self) -> None:
        self.source.close()


class Searcher:
    """Searches one archive; keep it to answer many queries fast (the service does)."""

    def __init__(self, archive_dir: str | Path, backend: str = "auto") -> None:
        from scicbir.archive.store import Archive
        from scicbir.search.hasher import BACKENDS

        if backend not in BACKENDS:
            raise InputError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.folder = Path(archive_dir)
        if not self.folder.exists():
            raise InputError(
                f"archive {self.folder} does not exist; create it with "
                f"'scicbir compress SRC --archive {self.folder}' or check the path",
                archive=str(self.folder),
                reason="archive_missing",
            )
        self._lock = threading.Lock()
        # the held index is extended in place when a compress appends tiles: a ranking and an
        # extension must not run at the same time (the service ranks from a thread pool)
        self._index_lock = threading.Lock()
        self._checksums: dict[tuple[tuple[str, ...], int, float], str] = {}
        with Archive.open(self.folder, read_only=True) as archive:
            if archive.model is None:
                raise InputError(
                    f"archive {self.folder} holds no tiles yet (no model recorded); add rasters "
                    "with 'scicbir compress'",
                    archive=str(self.folder),
                    reason="archive_empty",
                )
            self.model = archive.model
            self.bits = int(archive.model.hash_bits)
            self.tile_size = int(archive.model.tile_size)
            self._backend = backend
            self._hasher: Hasher | None = None
            self._generation = -1
            self._index: SearchIndex | None = None
            self._model_checksum = ""
            self._refresh(archive)

    # --- archive state -----------------------------------------------------------------------

    def _open(self) -> Any:
        from scicbir.archive.store import Archive

        return Archive.open(self.folder, read_only=True)

    def _refresh(self, archive: Any) -> SearchIndex:
        """The search index for the catalog's current generation: the archive's faiss index
        with codes shared by many tiles grouped (``tie_groups``).

        When the catalog moved on only by tiles appended under the same model (a compress),
        those are added to the index held; anything else (tiles removed, a re-hash) builds it
        again from the archive's index.
        """
        with self._lock:
            catalog = archive.catalog
            generation = catalog.generation
            if self._index is not None and generation == self._generation:
                return self._index
            model = catalog.meta().get("model_checksum", "")
            if self._index is not None and model == self._model_checksum:
                ids, codes = catalog.codes_after(self._index.last_id)
                if self._index.tiles + len(ids) == catalog.count_tiles():
                    with self._index_lock:
                        self._index.add(ids, codes, self._logits_lookup(archive))
                    self._generation = generation
                    return self._index
            self._index = search_index(archive.index(), self._logits_lookup(archive))
            self._generation = generation
            self._model_checksum = model
            return self._index

    @property
    def hasher(self) -> Hasher:
        """The query hasher, made on first use: queries answered from stored codes need none."""
        with self._lock:
            if self._hasher is None:
                from scicbir.search.hasher import make_hasher

                with self._open() as archive:
                    self._hasher = make_hasher(archive, self._backend)
            return self._hasher

    @property
    def backend(self) -> str:
        """How query tiles are hashed ("onnx" or "torch"); loads the hasher."""
        return self.hasher.backend

    def _logits_lookup(self, archive: Any):
        """Archive logits by tile id for the tie-break (None where the catalog has none)."""
        return archive.catalog.logits

    def _archived_source(
        self, archive: Any, source: Any, path: str
    ) -> tuple[dict[str, Any] | None, bool]:
        """The catalog row of this raster if the archive holds it, and whether it is unchanged.

        Found by path (the same place, even if edited since) or else by content (a copy or a
        moved file). Unchanged means same size and mtime, or same sha256, as when compressed.
        """
        size, mtime = source.stat()
        key = archive.source_key(path)
        if key:
            row = archive.catalog.source(key)
            if row and int(row["width"]) == source.width and int(row["height"]) == source.height:
                same = (int(row["size"]), float(row["mtime"])) == (size, mtime) or (
                    int(row["size"]) == size and row["sha256"] == self._checksum(source)
                )
                return row, same
        same_size = [s for s in archive.sources() if int(s["size"]) == size]
        if same_size:
            checksum = self._checksum(source)
            for row in same_size:
                if row["sha256"] == checksum:
                    return row, True
        return None, False

    def _checksum(self, source: Any) -> str:
        """sha256 of a query raster, remembered by (files, size, mtime): rasters can be large."""
        size, mtime = source.stat()
        key = (tuple(str(f) for f in source.files), size, mtime)
        if key not in self._checksums:
            self._checksums[key] = source.checksum()
        return self._checksums[key]

    def _normalisation(self, source: Any, bands: list[int], archived: dict[str, Any] | None):
        import json

        from scicbir.archive.prepare import normalisation_for
        from scicbir.codec.normalisation import Normalisation

        if archived is not None and json.loads(archived["source_bands"]) == bands:
            return Normalisation(
                json.loads(archived["norm_offset"]),
                json.loads(archived["norm_scale"]),
                archived["norm_kind"],
            )
        return normalisation_for(self.hasher, source, bands)

    # --- queries -----------------------------------------------------------------------------

    def search_region(
        self,
        raster: str | Path,
        *,
        geometry: str | dict[str, Any] | None = None,
        bbox: Sequence[float] | None = None,
        crs: str | None = None,
        k: int = DEFAULT_K,
        exclude_self: bool = True,
        bands: Sequence[int | str] | None = None,
        band_names: Sequence[str] | str | None = None,
        cancel: CancelToken | None = None,
        stored_codes: bool = True,
    ) -> SearchResult:
        """The archive tiles most similar to a region (WKT/GeoJSON ``geometry`` or ``bbox``).

        ``stored_codes``: take the codes of an unchanged archived raster from the catalog
        instead of reading and hashing its tiles (same codes, no model needed).
        """
        if (geometry is None) == (bbox is None):
            raise InputError("give the region as either a geometry or a bbox (exactly one)")
        if bbox is not None:
            if len(bbox) != 4:
                raise InputError(f"a bbox needs 4 numbers MINX MINY MAXX MAXY, got {list(bbox)}")
            geometries, srid = bbox_geometry(*[float(v) for v in bbox]), None
        else:
            geometries, srid = parse_geometry(geometry)  # type: ignore[arg-type]
        region_crs = crs or (f"EPSG:{srid}" if srid else None)
        return self._search_raster_tiles(
            "region",
            raster,
            k,
            exclude_self,
            bands,
            band_names,
            cancel,
            lambda prep: select_tiles(
                to_raster_crs(
                    geometries,
                    region_crs,
                    prep.source.crs if prep.source.georeferenced else None,
                    prep.path,
                ),
                region_transform(prep.source),
                prep.source.width,
                prep.source.height,
                self.tile_size,
                prep.path,
                region_crs,
            ),
            stored_codes=stored_codes,
        )

    def search_raster(
        self,
        raster: str | Path,
        *,
        k: int = DEFAULT_K,
        exclude_self: bool = True,
        bands: Sequence[int | str] | None = None,
        band_names: Sequence[str] | str | None = None,
        cancel: CancelToken | None = None,
        progress: Progress | None = None,
        stored_codes: bool = True,
    ) -> SearchResult:
        """The archive tiles most similar to any tile of a whole raster."""
        from scicbir.rasters import TileGrid

        def whole(prep: _Prepared) -> list[GridTile]:
            grid = TileGrid(prep.source.width, prep.source.height, self.tile_size)
            return [
                GridTile(w.col, w.row, w.size, w.valid_width, w.valid_height, 1.0) for w in grid
            ]

        return self._search_raster_tiles(
            "raster",
            raster,
            k,
            exclude_self,
            bands,
            band_names,
            cancel,
            whole,
            progress,
            stored_codes,
        )

    def search_tile(
        self, tile_id: int, k: int = DEFAULT_K, exclude_self: bool = True
    ) -> SearchResult:
        """The archive tiles most similar to archive tile ``tile_id`` (its stored code)."""
        timings: dict[str, float] = {}
        with self._open() as archive:
            t0 = time.perf_counter()
            record = archive.tile(int(tile_id))
            index = self._refresh(archive)
            lookup = self._logits_lookup(archive)
            codes = np.frombuffer(record.hash, dtype=np.uint8)[None, :]
            logits = lookup([record.id])
            timings["read_ms"] = (time.perf_counter() - t0) * 1000
            excluded = np.array([record.id], np.int64) if exclude_self else np.zeros(0, np.int64)
            query = [
                QueryTile(
                    0,
                    record.col,
                    record.row,
                    record.valid_width,
                    record.valid_height,
                    1.0,
                    record.hash_hex,
                    record.footprint,
                )
            ]
            result = self._rank(
                archive, index, "tile", codes, logits, query, k, excluded, timings, lookup
            )
            result.tile_id = record.id
            result.raster = record.source_path
            result.backend = "catalog"
            return result

    # --- internals ---------------------------------------------------------------------------

    def _search_raster_tiles(
        self,
        kind,
        raster,
        k,
        exclude_self,
        bands,
        band_names,
        cancel,
        choose,
        progress=None,
        stored_codes=True,
    ) -> SearchResult:
        from scicbir.rasters import TileWindow
        from scicbir.rasters.footprint import footprints_wgs84

        if k <= 0:
            raise InputError(f"-k must be at least 1, not {k}")
        timings: dict[str, float] = {}
        with self._open() as archive:
            index = self._refresh(archive)
            t0 = time.perf_counter()
            prep = _Prepared(self, archive, raster, bands, band_names)
            try:
                chosen = choose(prep)
                windows = [
                    TileWindow(t.col, t.row, t.size, t.valid_width, t.valid_height) for t in chosen
                ]
                cover = {(t.col, t.row): t.cover for t in chosen}
                opened_ms = (time.perf_counter() - t0) * 1000
                got, codes, logits, backend = self._query_codes(
                    archive, prep, windows, stored_codes, timings, cancel, progress
                )
                timings["read_ms"] += opened_ms
                rings = (
                    footprints_wgs84(prep.source.transform, prep.source.crs, got)
                    if prep.source.georeferenced
                    else [None] * len(got)
                )
                query = [
                    QueryTile(
                        i,
                        w.col,
                        w.row,
                        w.valid_width,
                        w.valid_height,
                        cover.get((w.col, w.row), 1.0),
                        bytes(codes[i]).hex(),
                        rings[i],
                    )
                    for i, w in enumerate(got)
                ]
                excluded = (
                    self._own_tiles(archive, prep, got) if exclude_self else np.zeros(0, np.int64)
                )
                result = self._rank(
                    archive,
                    index,
                    kind,
                    codes,
                    logits,
                    query,
                    k,
                    excluded,
                    timings,
                    self._logits_lookup(archive),
                )
                result.raster = prep.path
                result.backend = backend
                return result
            finally:
                prep.close()

    def _query_codes(self, archive, prep, windows, stored_codes, timings, cancel, progress):
        """Codes and logits of the query tiles: stored ones, or read + normalised + hashed.

        A raster the archive holds unchanged has its codes in the catalog, made from the same
        pixels by the same model, so reading and hashing would only repeat them (and cost the
        model's start-up). Windows that ``compress`` skipped as nodata-only are skipped here too.
        """
        from scicbir.rasters import read_tiles

        t0 = time.perf_counter()
        if stored_codes and prep.archived is not None and prep.unchanged:
            by_window = {(r.col, r.row): r for r in archive.tiles_of_source(prep.archived["path"])}
            records = [by_window[(w.col, w.row)] for w in windows if (w.col, w.row) in by_window]
            got = [w for w in windows if (w.col, w.row) in by_window]
            if records:
                codes = np.stack([np.frombuffer(r.hash, dtype=np.uint8) for r in records])
                logits = archive.catalog.logits([r.id for r in records])
                timings["read_ms"] = (time.perf_counter() - t0) * 1000
                timings["hash_ms"] = 0.0
                return got, codes, logits, "catalog"
        got: list[Any] = []
        codes: list[np.ndarray] = []
        logits: list[np.ndarray] = []
        batch: list[Any] = []
        hash_s = 0.0

        def flush() -> None:
            nonlocal hash_s
            t1 = time.perf_counter()
            c, u = self.hasher.hash(prep.norm.forward(np.stack([t.data for t in batch]), clip=True))
            hash_s += time.perf_counter() - t1
            codes.append(c)
            logits.append(u)
            got.extend(t.window for t in batch)
            batch.clear()

        # read and hash in batches: memory stays bounded for a whole large raster
        for n, tile in enumerate(
            read_tiles(prep.source, self.tile_size, prep.bands, windows=windows)
        ):
            if cancel is not None:
                cancel.raise_if_cancelled("search")
            batch.append(tile)
            if len(batch) == _HASH_BATCH:
                flush()
            if progress is not None:
                progress(n + 1, len(windows), "reading and hashing query tiles")
        if batch:
            flush()
        if not got:
            raise InputError(
                f"the query covers only nodata pixels of {prep.path}; draw the region "
                "where the raster has data",
                file=prep.path,
                reason="region_nodata",
            )
        timings["hash_ms"] = hash_s * 1000
        timings["read_ms"] = (time.perf_counter() - t0) * 1000 - timings["hash_ms"]
        return got, np.concatenate(codes), np.concatenate(logits), self.hasher.backend

    def _own_tiles(self, archive: Any, prep: _Prepared, windows: Sequence[Any]) -> np.ndarray:
        """Ids of archive tiles of the query raster that overlap the query tiles."""
        if prep.archived is None:
            return np.zeros(0, np.int64)
        own = []
        for record in archive.tiles_of_source(prep.archived["path"]):
            for w in windows:
                if (
                    record.col < w.col + w.valid_width
                    and w.col < record.col + record.valid_width
                    and record.row < w.row + w.valid_height
                    and w.row < record.row + record.valid_height
                ):
                    own.append(record.id)
                    break
        return np.asarray(own, dtype=np.int64)

    def _rank(
        self, archive, index, kind, codes, logits, query, k, excluded, timings, lookup
    ) -> SearchResult:
        t0 = time.perf_counter()
        with self._index_lock:
            candidates = index.candidates(codes, k, logits, excluded)
            ranked = merge_min(candidates, k, self.bits, logits, lookup)
        timings["search_ms"] = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        hits = self._hits(archive, ranked)
        timings["catalog_ms"] = (time.perf_counter() - t1) * 1000
        return SearchResult(
            kind=kind,
            bits=self.bits,
            k=k,
            merge=MERGE_RULE,
            query_tiles=query,
            hits=hits,
            excluded=int(excluded.size),
            timings_ms=timings,
            query_logits=logits,
            excluded_ids=excluded,
            index_recall=sized_index.measured_recall(index.faiss_index),
        )

    def _hits(self, archive: Any, ranked: Sequence[Any], scores: Sequence[float] | None = None):
        """``Hit`` objects for ranked tiles, with catalog details and damage flags."""
        records = {r.id: r for r in archive.tiles([r.tile_id for r in ranked])}
        hits = []
        for i, r in enumerate(ranked):
            rec = records[r.tile_id]
            hits.append(
                Hit(
                    rank=r.rank,
                    tile_id=r.tile_id,
                    distance=r.distance,
                    similarity=r.similarity,
                    soft_distance=r.soft_distance,
                    query_tile=r.query_tile,
                    source=rec.source_path,
                    col=rec.col,
                    row=rec.row,
                    width=rec.valid_width,
                    height=rec.valid_height,
                    crs=rec.crs,
                    footprint=rec.footprint,
                    damaged=archive.tile_problem(rec),
                    score=float(scores[i]) if scores is not None else None,
                )
            )
        flagged = [h.tile_id for h in hits if h.damaged]
        if flagged:
            warnings.warn(
                f"{len(flagged)} result tile(s) of {self.folder} are damaged and cannot be "
                f"decoded (tile ids {', '.join(map(str, flagged))}; flagged 'damaged'); run "
                f"'scicbir archive verify {self.folder}'",
                stacklevel=3,
            )
        return hits

    # --- relevance feedback ------------------------------------------------------------------

    def _feedback_arrays(self, archive: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, logits and packed codes of every archive tile, kept per catalog generation
        (a refinement round then costs only the linear model and one matrix product)."""
        with self._lock:
            generation = archive.catalog.generation
            cached = getattr(self, "_feedback_cache", None)
            if cached is not None and cached[0] == generation:
                return cached[1]
        ids, logits = archive.catalog.all_logits()
        if logits is None:
            raise InputError(
                f"archive {self.folder} has tiles without stored hash logits (written by an "
                "older engine); relevance feedback needs them: compress the sources into a new "
                "archive",
                archive=str(self.folder),
                reason="feedback_no_logits",
            )
        code_ids, codes, _bits = archive.catalog.codes()
        if not np.array_equal(code_ids, ids):  # both by id; a writer between the two reads
            raise InputError(f"archive {self.folder} changed while reading it; search again")
        arrays = (ids, logits, codes)
        with self._lock:
            self._feedback_cache = (generation, arrays)
        return arrays

    def refine(
        self,
        result: SearchResult,
        relevant: Sequence[int] = (),
        irrelevant: Sequence[int] = (),
        k: int | None = None,
        method: str = "logistic",
    ) -> SearchResult:
        """Re-rank the whole archive for ``result``'s query from the tiles a user marked.

        The one entry point of relevance feedback for the CLI (``scicbir search --relevant``)
        and the service (``search.refine``): the query's logits, the marked tiles' stored
        logits and every archive tile's stored logits go into the linear model of
        ``feedback.py``. Tiles left out of the first search (the query's own area) stay out;
        marked tiles are ranked like the others (a relevant one usually comes first again, an
        irrelevant one sinks), so the user sees their marks in the new list. ``distance`` stays
        the Hamming distance to the nearest query tile; ``score`` is the feedback score.
        """
        from scicbir.search.feedback import METHODS, check_marks, feedback_scores
        from scicbir.search.hamming import hamming_distances
        from scicbir.search.merge import RankedTile

        if method not in METHODS:
            raise InputError(f"feedback method must be one of {', '.join(METHODS)}, not {method!r}")
        rel, irr = check_marks(relevant, irrelevant)
        if not rel and not irr:
            raise InputError(
                "mark at least one result as relevant or not relevant, then refine",
                reason="feedback_no_marks",
            )
        k = int(k or result.k)
        if k <= 0:
            raise InputError(f"-k must be at least 1, not {k}")
        if result.query_logits is None:
            raise InputError("this query has no hash logits to refine from; search again")
        timings = dict(result.timings_ms)
        with self._open() as archive:
            t0 = time.perf_counter()
            ids, logits, codes = self._feedback_arrays(archive)
            position = {int(t): i for i, t in enumerate(ids)}
            unknown = [t for t in rel + irr if t not in position]
            if unknown:
                raise InputError(
                    f"tile(s) {', '.join(map(str, unknown))} are not in archive {self.folder}; "
                    "mark tiles from this archive's results",
                    tiles=unknown,
                    reason="feedback_unknown_tiles",
                )
            timings["feedback_read_ms"] = (time.perf_counter() - t0) * 1000
            t1 = time.perf_counter()
            scores = feedback_scores(
                result.query_logits,
                logits,
                logits[[position[t] for t in rel]],
                logits[[position[t] for t in irr]],
                method,
            )
            excluded = result.excluded_ids if result.excluded_ids is not None else ()
            keep = ~np.isin(ids, np.asarray(excluded, dtype=np.int64))
            order = np.flatnonzero(keep)
            order = order[np.lexsort((ids[order], -scores[order]))][:k]
            query_codes = np.stack(
                [np.frombuffer(bytes.fromhex(q.code_hex), np.uint8) for q in result.query_tiles]
            )
            dist = hamming_distances(query_codes, codes[order])  # (q, chosen)
            ranked = [
                RankedTile(
                    rank=r + 1,
                    tile_id=int(ids[i]),
                    distance=int(dist[:, j].min()),
                    similarity=1.0 - float(dist[:, j].min()) / float(self.bits),
                    soft_distance=None,
                    query_tile=int(dist[:, j].argmin()),
                )
                for r, (j, i) in enumerate(enumerate(order))
            ]
            timings["feedback_ms"] = (time.perf_counter() - t1) * 1000
            t2 = time.perf_counter()
            hits = self._hits(archive, ranked, [float(scores[i]) for i in order])
            timings["catalog_ms"] = (time.perf_counter() - t2) * 1000
        return SearchResult(
            kind=result.kind,
            bits=self.bits,
            k=k,
            merge=f"feedback-{method}",
            query_tiles=result.query_tiles,
            hits=hits,
            raster=result.raster,
            tile_id=result.tile_id,
            excluded=result.excluded,
            timings_ms=timings,
            backend=result.backend,
            query_logits=result.query_logits,
            excluded_ids=result.excluded_ids,
            feedback={"method": method, "relevant": rel, "irrelevant": irr},
        )


def region_transform(source: Any) -> Any:
    """Pixel -> region coordinates: the georeference, or for an image without one the pixel
    space QGIS and the catalog's ``image_tiles`` layer use (x = column, y = -row)."""
    from affine import Affine

    return source.transform if source.georeferenced else Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0)
