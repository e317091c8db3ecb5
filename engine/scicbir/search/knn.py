"""Exact candidate gathering on a faiss binary index for a multi-code query.

faiss returns the k nearest codes per query but orders ties arbitrarily and cuts a group of
equal distances anywhere. The merged ranking (``merge.merge_min``) needs, for every archive tile
up to the k-th merged distance, *all* tied tiles and the distance to every query tile that
reaches the minimum. This module asks the index for enough neighbours, checks that the answer is
complete, and widens it with a range search when it is not, so that the final ranking is exactly
the exhaustive one (``tests/search`` checks it against ``hamming.brute_force_knn``).

It asks for ``2k + 16`` neighbours (plus the excluded tiles), which is usually enough for the
check below to pass without a second pass over the codes (``k`` alone almost never is).

Why it is complete: when a query's list holds the ``m`` nearest of ``n > m`` codes and its last
distance is ``d_m``, every code at distance ``< d_m`` is in the list; so with
``R = min_q (d_m(q) - 1)`` every tile whose merged (minimum) distance is ``<= R`` is present with
its exact minimum. If at least ``k`` non-excluded tiles lie within ``R`` the top-k and all its
ties are known; otherwise the k-th merged distance ``D`` found so far bounds the true one from
above and a range search of radius ``D`` on every query tile fetches everything needed.

An index entry may stand for several tiles (a code shared by many tiles, ``tie_groups``):
``weights`` then says how many, and the counts above are counts of tiles, not of entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from scicbir.search.merge import Candidates, min_distance_per_tile

#: Below this many code comparisons (query tiles x archive codes) faiss runs on one thread. One
#: 64-bit query over 10^6 codes takes a few milliseconds on one core, while a multi-threaded
#: call returns only when every OpenMP worker has been scheduled: on a busy machine (QGIS, other
#: jobs) that wait dominates. Measured with bench_search.py on 2 loaded cores: 10^6 codes x 16
#: query tiles, 145 ms on one thread against 932 ms on two; 10^7 x 16, 542 ms against 3.6 s.
#: Only very large batches (a whole raster against a huge archive) use every core.
SINGLE_THREAD_WORK = 1_000_000_000
_MARGIN = 16


@contextmanager
def _faiss_threads(work: int) -> Iterator[None]:
    import faiss

    if work >= SINGLE_THREAD_WORK:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _triples(dist: np.ndarray, ids: np.ndarray) -> Candidates:
    rows = np.repeat(np.arange(dist.shape[0], dtype=np.int32), dist.shape[1])
    flat_ids = ids.reshape(-1).astype(np.int64)
    valid = flat_ids != -1  # faiss: no result; grouped entries (tie_groups) are <= -2
    return Candidates(rows[valid], flat_ids[valid], dist.reshape(-1).astype(np.int32)[valid])


def _range(index: Any, queries: np.ndarray, max_distance: int) -> Candidates:
    """All (query, tile) pairs at distance ``<= max_distance`` (faiss' radius is exclusive)."""
    lims, dist, ids = index.range_search(queries, int(max_distance) + 1)
    counts = np.diff(np.asarray(lims, dtype=np.int64))
    rows = np.repeat(np.arange(queries.shape[0], dtype=np.int32), counts)
    return Candidates(rows, np.asarray(ids, dtype=np.int64), np.asarray(dist).astype(np.int32))


Weights = Callable[[np.ndarray], np.ndarray]
"""``weights(entry_ids) -> int64`` tiles each index entry stands for (1 for a tile's own code)."""


def gather_candidates(
    index: Any,
    queries: np.ndarray,
    k: int,
    excluded: np.ndarray | None = None,
    weights: Weights | None = None,
) -> Candidates:
    """Candidates for ``merge_min`` from a faiss ``IndexBinary`` (with ids, e.g. ``IndexBinaryIDMap``).

    ``queries``: ``(n_queries, nbytes)`` uint8 packed codes; ``excluded``: archive tile ids that
    must not be returned (self-exclusion); ``weights``: for an index with grouped entries
    (``tie_groups.SearchIndex.weights``). The result holds every triple needed to rank the
    top ``k`` exactly; it may hold more (entries standing for no tile are dropped).
    """
    queries = np.ascontiguousarray(queries, dtype=np.uint8)
    excluded = np.zeros(0, np.int64) if excluded is None else np.asarray(excluded, np.int64)
    n = int(index.ntotal)
    if n == 0 or k <= 0 or queries.shape[0] == 0:
        return Candidates.empty()
    # k alone would leave the group of ties at the k-th distance cut more often than not, and
    # completing it costs a second pass over the codes; twice k plus a margin rarely needs one
    m = min(n, 2 * k + _MARGIN + int(excluded.size))
    with _faiss_threads(n * queries.shape[0]):
        return _gather(index, queries, k, excluded, n, m, weights)


def _gather(
    index: Any,
    queries: np.ndarray,
    k: int,
    excluded: np.ndarray,
    n: int,
    m: int,
    weights: Weights | None,
) -> Candidates:
    dist, ids = index.search(queries, m)
    cands = _without_empty(_triples(np.asarray(dist), np.asarray(ids)).without(excluded), weights)
    if m == n:  # every list is the whole index: complete
        return cands
    radius = int(np.asarray(dist)[:, m - 1].min()) - 1
    entries, best = min_distance_per_tile(cands)
    tiles = np.ones(entries.shape, np.int64) if weights is None else weights(entries)
    if int(tiles[best <= radius].sum()) >= k:
        return cands
    kth = kth_distance(best, tiles, k)
    return _without_empty(_range(index, queries, kth).without(excluded), weights)


def kth_distance(best: np.ndarray, tiles: np.ndarray, k: int) -> int:
    """The distance of the k-th tile when entry ``i`` stands for ``tiles[i]`` tiles at ``best[i]``.

    When fewer than ``k`` tiles are listed (every one excluded but a few), the largest distance.
    """
    order = np.argsort(best, kind="stable")
    reach = np.cumsum(tiles[order])
    at = min(int(np.searchsorted(reach, k)), len(order) - 1)
    return int(best[order[at]])


def _without_empty(cands: Candidates, weights: Weights | None) -> Candidates:
    """Drop grouped entries whose every tile is excluded."""
    if weights is None or cands.ids.size == 0:
        return cands
    keep = weights(cands.ids) > 0
    if keep.all():
        return cands
    return Candidates(cands.query[keep], cands.ids[keep], cands.distance[keep])
