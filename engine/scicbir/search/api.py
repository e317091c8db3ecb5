"""One call for a whole search as the CLI and the service run it: query, decode, write files.

``run_search(SearchRequest)`` is the one entry point (the CLI and the service build the
request; ``search(archive, **options)`` builds it from keywords). It dispatches to the ``Searcher`` (a given one is reused: the service keeps one per
archive), then decodes the results when ``decode`` names a folder (the GeoTIFF paths go into the
results) and writes the results file when ``out`` is given (a GeoPackage, or GeoJSON by its
name; the query and the archive's model go with it). With ``relevant`` /
``irrelevant`` tile ids the query's ranking is refined by relevance feedback
(``Searcher.refine``, ``feedback.py``) before anything is decoded or written. ``search_region``,
``search_raster`` and ``search_tile`` are the same with the query kind fixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress
from scicbir.search.hits import SearchResult
from scicbir.search.query import Searcher
from scicbir.search.request import SearchRequest


def search(archive: str | Path, **kwargs: Any) -> SearchResult:
    """``run_search(SearchRequest(archive, **kwargs))``; ``searcher``, ``progress`` and
    ``cancel`` go to ``run_search``. Exactly one of ``raster`` / ``tile``."""
    extra = {k: kwargs.pop(k) for k in ("searcher", "progress", "cancel") if k in kwargs}
    return run_search(SearchRequest(archive=str(archive), **kwargs), **extra)


def run_search(
    request: SearchRequest,
    searcher: Searcher | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    on_archive: Callable[[Any], None] | None = None,
) -> SearchResult:
    """Run one query; see the module docstring. ``on_archive`` sees the archive opened to
    decode the hits (the service keeps its codec for the next request)."""
    r = request
    searcher = searcher or Searcher(r.archive, backend=r.backend)
    if r.tile is not None:
        result = searcher.search_tile(r.tile, k=r.k, exclude_self=r.exclude_self)
    elif r.bbox is None and r.geometry is None:
        result = searcher.search_raster(
            r.raster,
            k=r.k,
            exclude_self=r.exclude_self,
            bands=r.bands,
            band_names=r.band_names,
            cancel=cancel,
            progress=progress,
        )
    else:
        result = searcher.search_region(
            r.raster,
            geometry=r.geometry,
            bbox=r.bbox,
            crs=r.crs,
            k=r.k,
            exclude_self=r.exclude_self,
            bands=r.bands,
            band_names=r.band_names,
            cancel=cancel,
        )
    if r.refining:
        result = searcher.refine(result, r.relevant, r.irrelevant, r.k, r.feedback_method)
    if r.decode is not None:
        from scicbir.archive.store import Archive
        from scicbir.search.results import decode_hits

        t0 = time.perf_counter()
        with Archive.open(searcher.folder, read_only=True) as opened:
            if on_archive is not None:
                on_archive(opened)
            decode_hits(result, opened, r.decode, progress=progress, cancel=cancel)
        result.timings_ms["decode_ms"] = (time.perf_counter() - t0) * 1000
    if r.out is not None:
        from scicbir.search.query_record import QueryRecord
        from scicbir.search.results import write_results

        write_results(result, r.out, QueryRecord.of(r, result, searcher.model))
    return result


def search_region(archive: str | Path, raster: str | Path, **kwargs: Any) -> SearchResult:
    """A region query (``bbox=`` or ``geometry=``, optional ``crs=``) on ``raster``."""
    if kwargs.get("bbox") is None and kwargs.get("geometry") is None:
        raise InputError("a region query needs bbox or geometry")
    return search(archive, raster=raster, **kwargs)


def search_raster(archive: str | Path, raster: str | Path, **kwargs: Any) -> SearchResult:
    """Every tile of ``raster`` as one multi-code query."""
    return search(archive, raster=raster, **kwargs)


def search_tile(archive: str | Path, tile: int, **kwargs: Any) -> SearchResult:
    """An archive tile's own code as the query."""
    return search(archive, tile=tile, **kwargs)
