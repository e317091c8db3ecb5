"""One ranking from the hits of several query tiles: the multi-code merge rule and tie-breaks.

A region drawn on the map usually covers several model tiles, so the query is a *set* of hash
codes (a multi-code query, as in multi-code hashing where an image is described by one code per
region and matched by combining per-code Hamming distances). Every archive tile holds one code.

The rule (``merge_min``): an archive tile's distance to the query is the **smallest** Hamming
distance between its code and any query tile's code. A region is the union of what it shows: a
tile that looks like one part of it (the river, the village) is a good answer, and a rule that
averages over the query tiles would rank first bland tiles that match nothing in particular.
Taking the minimum also keeps the search exact with a k-nearest-neighbour index: a tile in the
merged top-k is in the top-k of the query tile it matches best (``knn.gather_candidates``).

Ties in Hamming distance are frequent (a 32-bit code has only 33 distances), so ties are broken
deterministically and with meaning:

1. smaller Hamming distance first;
2. then smaller *soft distance*: the cosine distance ``1 - cos(u_q, u_a)`` between the continuous
   hash-layer outputs (logits, kept in the catalog) of the archive tile and of the best-matching
   query tile. Hamming distance is the quantised angle between the sign vectors; the cosine of
   the logits is the angle before quantisation, so it orders tiles the way the code would with
   more bits. When several query tiles tie for the minimum, the smallest soft distance counts.
   Tiles without logits (unknown) come after those with logits at the same distance;
3. then smaller tile id (the catalog's insertion order), so the answer never depends on the
   index's internal order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LogitsLookup = Callable[[np.ndarray], np.ndarray | None]
"""``lookup(tile_ids) -> (len(ids), bits) float32`` logits in the same order, or None if unknown."""


@dataclass(frozen=True)
class RankedTile:
    """One archive tile in the merged ranking."""

    rank: int  # 1-based
    tile_id: int
    distance: int  # Hamming distance to the nearest query tile
    similarity: float  # 1 - distance / bits, in [0, 1]
    soft_distance: float | None  # tie-break score (cosine distance of logits), None if unknown
    query_tile: int  # index of the query tile it matched best


@dataclass
class Candidates:
    """(query tile, archive tile, Hamming distance) triples found for a multi-code query."""

    query: np.ndarray  # int32, index into the query tiles
    ids: np.ndarray  # int64 archive tile ids
    distance: np.ndarray  # int32

    @classmethod
    def empty(cls) -> Candidates:
        return cls(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int32))

    def without(self, excluded: np.ndarray) -> Candidates:
        """Drop the triples whose archive tile is in ``excluded``."""
        if excluded.size == 0 or self.ids.size == 0:
            return self
        keep = ~np.isin(self.ids, excluded)
        return Candidates(self.query[keep], self.ids[keep], self.distance[keep])


def cosine_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise ``1 - cos(a_i, b_i)`` in [0, 2]; a zero vector is at distance 1 from anything."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    num = np.einsum("ij,ij->i", a, b)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return 1.0 - np.clip(cos, -1.0, 1.0)


def min_distance_per_tile(cands: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """Unique archive tile ids and, for each, the smallest distance over the query tiles."""
    if cands.ids.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    ids, inverse = np.unique(cands.ids, return_inverse=True)
    best = np.full(ids.shape, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(best, inverse, cands.distance)
    return ids, best


def merge_min(
    cands: Candidates,
    k: int,
    bits: int,
    query_logits: np.ndarray | None = None,
    archive_logits: LogitsLookup | None = None,
) -> list[RankedTile]:
    """Rank archive tiles by the minimum rule with the tie-breaks of this module's docstring.

    ``cands`` must hold, for every archive tile whose merged distance is at most the k-th
    smallest, the triple of each query tile that reaches that minimum (``gather_candidates``
    guarantees it). Only tiles up to the k-th distance are scored for the tie-break, so the
    logits of at most ``k`` plus the tied tiles are looked up.
    """
    if k <= 0 or cands.ids.size == 0:
        return []
    ids, best = min_distance_per_tile(cands)
    cutoff = np.partition(best, min(k, best.size) - 1)[min(k, best.size) - 1]
    keep_tile = best <= cutoff
    ids, best = ids[keep_tile], best[keep_tile]

    # the triples that realise each kept tile's minimum (several when query tiles tie)
    pos = np.searchsorted(ids, cands.ids)
    pos_clipped = np.minimum(pos, ids.size - 1)
    is_kept = (pos < ids.size) & (ids[pos_clipped] == cands.ids)
    is_min = is_kept & (cands.distance == best[pos_clipped])
    trip_q, trip_tile = cands.query[is_min], pos_clipped[is_min]

    soft = np.full(ids.shape, np.inf)
    trip_soft = np.full(trip_q.shape, np.inf)
    if query_logits is not None and archive_logits is not None and trip_q.size:
        logits = archive_logits(ids)
        if logits is not None:
            ql = np.asarray(query_logits, dtype=np.float64)
            trip_soft = cosine_distance(ql[trip_q], np.asarray(logits)[trip_tile])
            np.minimum.at(soft, trip_tile, trip_soft)
    known = np.isfinite(soft)

    # the query tile each archive tile matched best: smallest soft distance, then smallest index
    match_q = np.full(ids.shape, np.iinfo(np.int64).max, dtype=np.int64)
    on_best = (trip_soft == soft[trip_tile]) | ~known[trip_tile]
    np.minimum.at(match_q, trip_tile[on_best], trip_q[on_best].astype(np.int64))

    order = np.lexsort((ids, soft, best))[:k]
    return [
        RankedTile(
            rank=r + 1,
            tile_id=int(ids[i]),
            distance=int(best[i]),
            similarity=1.0 - float(best[i]) / float(bits),
            soft_distance=float(soft[i]) if known[i] else None,
            query_tile=int(match_q[i]),
        )
        for r, i in enumerate(order)
    ]
