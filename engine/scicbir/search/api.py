"""One call for a whole search as the CLI and the service run it: query, decode, write files.

``search(...)`` dispatches to the ``Searcher`` (a given one is reused: the service keeps one per
archive), then decodes the results when ``decode`` names a folder (the GeoTIFF paths go into the
results) and writes the results GeoPackage when ``out`` is given. With ``relevant`` /
``irrelevant`` tile ids the query's ranking is refined by relevance feedback
(``Searcher.refine``, ``feedback.py``) before anything is decoded or written. ``search_region``,
``search_raster`` and ``search_tile`` are the same with the query kind fixed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress
from scicbir.search.hits import SearchResult
from scicbir.search.query import DEFAULT_K, Searcher


def search(
    archive: str | Path,
    *,
    raster: str | Path | None = None,
    bbox: Sequence[float] | None = None,
    geometry: str | dict[str, Any] | None = None,
    crs: str | None = None,
    tile: int | None = None,
    k: int = DEFAULT_K,
    exclude_self: bool = True,
    out: str | Path | None = None,
    decode: str | Path | None = None,
    bands: Sequence[int | str] | None = None,
    band_names: Sequence[str] | str | None = None,
    backend: str = "auto",
    relevant: Sequence[int] | None = None,
    irrelevant: Sequence[int] | None = None,
    feedback_method: str = "logistic",
    searcher: Searcher | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> SearchResult:
    """Run one query; see the module docstring. Exactly one of ``raster`` / ``tile``."""
    if (raster is None) == (tile is None):
        raise InputError("give either a raster (with or without a region) or a tile id")
    if tile is not None and (bbox is not None or geometry is not None):
        raise InputError("a tile query takes no region; drop --bbox/--geometry or --tile")
    if bbox is not None and geometry is not None:
        raise InputError("give the region as --bbox or --geometry, not both")
    if out is not None:
        _check_out(Path(out))
    searcher = searcher or Searcher(archive, backend=backend)
    if tile is not None:
        result = searcher.search_tile(tile, k=k, exclude_self=exclude_self)
    elif bbox is None and geometry is None:
        result = searcher.search_raster(
            raster,
            k=k,
            exclude_self=exclude_self,
            bands=bands,
            band_names=band_names,
            cancel=cancel,
            progress=progress,
        )
    else:
        result = searcher.search_region(
            raster,
            geometry=geometry,
            bbox=bbox,
            crs=crs,
            k=k,
            exclude_self=exclude_self,
            bands=bands,
            band_names=band_names,
            cancel=cancel,
        )
    if relevant or irrelevant:
        result = searcher.refine(result, relevant or (), irrelevant or (), k, feedback_method)
    if decode is not None:
        from scicbir.archive.store import Archive
        from scicbir.search.results import decode_hits

        t0 = time.perf_counter()
        with Archive.open(searcher.folder, read_only=True) as opened:
            decode_hits(result, opened, decode, progress=progress, cancel=cancel)
        result.timings_ms["decode_ms"] = (time.perf_counter() - t0) * 1000
    if out is not None:
        from scicbir.search.results import write_results_gpkg

        write_results_gpkg(result, out)
    return result


def _check_out(out: Path) -> None:
    """Refuse a bad ``out`` before the work, not after it."""
    if out.suffix.lower() != ".gpkg":
        raise InputError(
            f"{out}: results are written as a GeoPackage; give a name ending in .gpkg",
            file=str(out),
        )
    if not out.parent.exists():
        raise InputError(
            f"{out}: the folder {out.parent} does not exist; create it first", file=str(out)
        )


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
