"""Search: region, tile or raster queries -> ranked archive tiles, as data and as files.

- ``region``: a drawn geometry or bbox (any CRS) -> the raster's CRS -> the model tiles it covers.
- ``knn`` + ``merge``: exact top-k over the archive's faiss binary index for a multi-code query
  (several query tiles), with the documented merge rule and deterministic tie-breaks.
- ``hamming``: the exhaustive numpy reference the index answer is checked against.
- ``query``: ``Searcher``, which keeps the model and index loaded between queries.
- ``results``: the results GeoPackage and the decoded result GeoTIFFs.

Nothing heavy is imported here: ``from scicbir.search import query`` pulls faiss and the codec
only when a ``Searcher`` is made.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SearchResult", "Searcher", "search", "search_raster", "search_region", "search_tile"]


def __getattr__(name: str) -> Any:
    if name in ("search", "search_region", "search_raster", "search_tile"):
        from scicbir.search import api

        return getattr(api, name)
    if name == "Searcher":
        from scicbir.search.query import Searcher

        return Searcher
    if name == "SearchResult":
        from scicbir.search.hits import SearchResult

        return SearchResult
    raise AttributeError(name)
