"""Relevance feedback: marked tiles re-rank the whole archive, the same through the library,
the CLI (``scicbir search --relevant/--irrelevant``) and the service (``search.refine``)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from scicbir.errors import InputError
from scicbir.search.api import search
from scicbir.search.feedback import feedback_scores, fit_logistic


def test_scores_move_towards_relevant_and_away_from_irrelevant():
    rng = np.random.default_rng(0)
    query = rng.normal(size=(1, 16))
    liked, disliked = rng.normal(size=16), rng.normal(size=16)
    archive = np.stack([liked, disliked, query[0]])
    for method in ("rocchio", "logistic"):
        before = feedback_scores(query, archive, np.zeros((0, 16)), np.zeros((0, 16)), method)
        after = feedback_scores(query, archive, liked[None], disliked[None], method)
        assert after[0] - after[2] > before[0] - before[2], method
        assert after[1] - after[2] < before[1] - before[2], method
    w = fit_logistic(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1.0, 0.0]))
    assert w[0] > 0  # the positive side of the first feature


def _ranks(result) -> dict[int, int]:
    return {h.tile_id: h.rank for h in result.hits}


def test_refine_reranks_the_archive(search_archive, searcher):
    tiles = 36
    first = searcher.search_tile(1, k=tiles)
    assert first.query_logits is not None and first.feedback is None
    ranked = [h.tile_id for h in first.hits]
    relevant, irrelevant = ranked[-1], ranked[0]
    refined = searcher.refine(first, [relevant], [irrelevant], k=tiles)
    new = _ranks(refined)
    assert new[relevant] < _ranks(first)[relevant], "the relevant tile moved up"
    assert new[irrelevant] > _ranks(first)[irrelevant], "the irrelevant tile moved down"
    assert 1 not in new, "the query tile stays left out"
    assert len(refined.hits) == tiles - 1
    scores = [h.score for h in refined.hits]
    assert scores == sorted(scores, reverse=True)
    assert refined.feedback == {
        "method": "logistic",
        "relevant": [relevant],
        "irrelevant": [irrelevant],
    }
    payload = refined.to_dict()
    assert payload["feedback"]["relevant"] == [relevant] and "score" in payload["results"][0]
    assert refined.timings_ms["feedback_ms"] < 1000

    second = searcher.refine(refined, [relevant], [irrelevant], k=5, method="rocchio")
    assert len(second.hits) == 5 and second.merge == "feedback-rocchio"

    with pytest.raises(InputError, match="both relevant and not relevant"):
        searcher.refine(first, [relevant], [relevant])
    with pytest.raises(InputError, match="not in archive"):
        searcher.refine(first, [10_000])
    with pytest.raises(InputError, match="at least one"):
        searcher.refine(first, [], [])


def _cli(argv: list[str], capsys) -> dict:
    from scicbir.cli import main

    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_and_service_give_the_same_refined_ranking(search_archive, capsys):
    from scicbir.service.protocol import MessageWriter, Request
    from scicbir.service.server import Service

    archive = str(search_archive["archive"])
    landsat = str(search_archive["landsat"])
    plain = search(archive, raster=landsat, bbox=_bbox(landsat), k=8)
    relevant = [plain.hits[5].tile_id]
    irrelevant = [plain.hits[0].tile_id]
    base = [
        "search",
        "--archive",
        archive,
        "--raster",
        landsat,
        "--bbox",
        *map(str, _bbox(landsat)),
    ]
    cli = _cli(
        [*base, "-k", "8", "--relevant", str(relevant[0]), "--irrelevant", str(irrelevant[0]),
         "--json"],
        capsys,
    )  # fmt: skip
    assert cli["feedback"] == {"method": "logistic", "relevant": relevant, "irrelevant": irrelevant}
    assert [r["tile_id"] for r in cli["results"]] != [h.tile_id for h in plain.hits]

    out = io.StringIO()
    service = Service(MessageWriter(out))
    params = {"archive": archive, "raster": landsat, "bbox": _bbox(landsat), "k": 8}
    try:
        method = service.methods["search.refine"]
        assert method.kind == "query"
        service._answer(method, Request(1, "search.refine", {**params, "relevant": relevant,
                                                             "irrelevant": irrelevant}))  # fmt: skip
        service._answer(method, Request(2, "search.refine", params))
        service._answer(method, Request(3, "search.refine", {**params, "relevant": [99999]}))
    finally:
        service.close()
    replies = {m["id"]: m for m in map(json.loads, out.getvalue().splitlines()) if "id" in m}
    answer = replies[1]["result"]
    assert [r["tile_id"] for r in answer["results"]] == [r["tile_id"] for r in cli["results"]]
    assert answer["feedback"] == cli["feedback"]
    assert replies[2]["error"]["code"] == "invalid_params"
    assert replies[3]["error"]["code"] == "invalid_input"
    assert "99999" in replies[3]["error"]["message"]


def _bbox(path: str) -> list[float]:
    """A region of four tiles in the middle of the Landsat crop (its own CRS)."""
    import rasterio

    with rasterio.open(path) as ds:
        (x0, y0), (x1, y1) = ds.transform * (133, 133), ds.transform * (251, 251)
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
