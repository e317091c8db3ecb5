"""The ``search`` method: a region, a whole raster or an archive tile -> ranked archive tiles.

The archive's ``Searcher`` (hasher + faiss index) is loaded on the first query and kept, so an
interactive user's next query costs only reading, hashing and ranking.

``search.refine`` takes the same query plus the tiles the user marked (``relevant``,
``irrelevant``) and answers the whole archive re-ranked by relevance feedback
(``Searcher.refine``, the same entry point as ``scicbir search --relevant``). The query is sent
again rather than kept in the engine, so a refinement also works after an engine restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.search.query"


def search(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    return _search(service, params, "search")


def refine(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    return _search(service, params, "search.refine")


def _search(service: Service, params: dict[str, Any], name: str) -> dict[str, Any]:
    from scicbir.search.api import run_search
    from scicbir.search.request import SearchRequest

    request = SearchRequest.from_params(params, name)
    result = run_search(
        request,
        searcher=service.objects.searcher(request.archive),
        cancel=service.query_cancel_token(),
        on_archive=service.objects.bind,
    )
    answer = result.to_dict()
    answer["archive"] = request.archive
    answer["out"] = request.out
    return answer
