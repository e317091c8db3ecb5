"""The index-based search returns exactly the exhaustive numpy ranking, ties included."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from scicbir.search.hamming import brute_force_knn, exhaustive_ranking, hamming_distances
from scicbir.search.knn import gather_candidates
from scicbir.search.merge import Candidates, merge_min


def _index(codes: np.ndarray, ids: np.ndarray) -> faiss.IndexBinaryIDMap:
    index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(codes.shape[1] * 8))
    index.add_with_ids(codes, ids)
    return index


def test_hamming_distances_match_bit_count() -> None:
    rng = np.random.default_rng(0)
    for nbytes in (1, 3, 8):
        q = rng.integers(0, 256, (3, nbytes), dtype=np.uint8)
        c = rng.integers(0, 256, (50, nbytes), dtype=np.uint8)
        expected = (np.unpackbits(q)[None].reshape(3, 1, -1) != np.unpackbits(c, axis=1)).sum(-1)
        assert np.array_equal(hamming_distances(q, c), expected)


def test_faiss_knn_equals_brute_force_distances() -> None:
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (5000, 8), dtype=np.uint8)
    ids = rng.permutation(20000)[:5000].astype(np.int64)
    queries = rng.integers(0, 256, (4, 8), dtype=np.uint8)
    dist_f, ids_f = _index(codes, ids).search(queries, 20)
    dist_b, ids_b = brute_force_knn(queries, codes, ids, 20)
    assert np.array_equal(dist_f, dist_b)
    for row in range(4):  # ids may differ only inside the group of ties cut by k
        cut = dist_b[row, -1]
        assert set(ids_f[row][dist_f[row] < cut]) == set(ids_b[row][dist_b[row] < cut])


@pytest.mark.parametrize(
    ("bits", "n", "n_queries", "k", "n_excluded"),
    [
        (16, 20000, 3, 20, 50),
        (8, 3000, 4, 30, 400),
        (64, 30000, 1, 20, 0),
        (32, 8000, 6, 50, 9),
        (16, 100, 2, 200, 10),
    ],
)
def test_index_ranking_equals_exhaustive(bits, n, n_queries, k, n_excluded) -> None:
    rng = np.random.default_rng(bits + n)
    codes = rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
    codes[: n // 10] = codes[0]  # a large group of identical codes: ties at every cut
    logits = rng.normal(size=(n, bits)).astype(np.float32)
    ids = rng.permutation(3 * n)[:n].astype(np.int64)
    row_of = {int(t): i for i, t in enumerate(ids)}
    queries = codes[rng.integers(0, n, n_queries)]
    query_logits = rng.normal(size=(n_queries, bits)).astype(np.float32)
    excluded = rng.choice(ids, n_excluded, replace=False)

    cands = gather_candidates(_index(codes, ids), queries, k, excluded)
    got = merge_min(cands, k, bits, query_logits, lambda t: logits[[row_of[int(i)] for i in t]])
    ref = exhaustive_ranking(queries, codes, ids, k, query_logits, logits, excluded)

    assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]
    assert np.allclose([r.soft_distance for r in got], [s for _, _, s in ref])
    assert len(got) == min(k, n - n_excluded)
    assert not set(r.tile_id for r in got) & set(excluded.tolist())
    assert [r.rank for r in got] == list(range(1, len(got) + 1))


def test_ties_broken_by_logits_then_id() -> None:
    # three archive tiles with the same code as the query: the logits decide, then the id
    q_logits = np.array([[1.0, -1.0, 1.0, -1.0, 1, 1, 1, 1]])
    a_logits = {7: q_logits[0] * 0.1, 3: q_logits[0] + 0.5, 5: q_logits[0] + 0.5}
    cands = Candidates(np.zeros(3, np.int32), np.array([7, 3, 5]), np.zeros(3, np.int32))
    ranked = merge_min(cands, 3, 8, q_logits, lambda t: np.stack([a_logits[int(i)] for i in t]))
    assert [r.tile_id for r in ranked] == [7, 3, 5]  # 7: same direction; 3 and 5 equal -> id
    no_logits = merge_min(cands, 3, 8)
    assert [r.tile_id for r in no_logits] == [3, 5, 7]
    assert all(r.soft_distance is None for r in no_logits)


def test_min_rule_picks_best_query_tile() -> None:
    cands = Candidates(np.array([0, 1, 0], np.int32), np.array([9, 9, 4]), np.array([5, 2, 3]))
    ranked = merge_min(cands, 5, 16)
    assert [(r.tile_id, r.distance, r.query_tile) for r in ranked] == [(9, 2, 1), (4, 3, 0)]
    assert ranked[0].similarity == pytest.approx(1 - 2 / 16)


def test_tie_group_larger_than_the_fetch_is_completed(monkeypatch) -> None:
    import scicbir.search.knn as knn

    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (5000, 4), dtype=np.uint8)
    codes[1000:3000] = codes[0]  # 2001 tiles share the query's code: far more than 2k + 16
    logits = rng.normal(size=(5000, 32)).astype(np.float32)
    ids = np.arange(5000, dtype=np.int64) * 3
    query, query_logits = codes[:1], rng.normal(size=(1, 32)).astype(np.float32)
    widened, real_range = [], knn._range
    monkeypatch.setattr(knn, "_range", lambda *a: widened.append(1) or real_range(*a))

    cands = knn.gather_candidates(_index(codes, ids), query, 10)
    got = merge_min(cands, 10, 32, query_logits, lambda t: logits[np.asarray(t) // 3])
    ref = exhaustive_ranking(query, codes, ids, 10, query_logits, logits)
    assert widened, "the range search completing the tie group did not run"
    assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]
    assert all(r.distance == 0 for r in got)
