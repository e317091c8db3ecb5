"""Retrieval accuracy of hash codes: the thesis protocol (P@R, R@R, eqs. 4.8-4.9) and mAP@k.

Queries are ranked against an archive by Hamming distance. For each query q and retrieved tile
r with label sets L_q and L_r: precision = mean |L_r ∩ L_q| / |L_r| and recall = mean
|L_r ∩ L_q| / |L_q| over the R retrieved tiles and all queries. mAP@k counts a retrieved tile
as relevant when it shares at least one label with the query; AP@k = sum_i P(i) rel(i) /
(relevant tiles among the first k), 0 when none is relevant.

Ties. Codes of q bits have only q + 1 distances, so many archive tiles tie with each other.
Breaking ties by archive order (or any fixed rule) would let the order of the archive flatter
or penalise a model. Every figure here is instead the exact expectation over all orders of the
tied tiles (each order equally likely), computed in closed form (McSherry & Najork, ECIR 2008,
extended to the relevant-in-top-k normalisation of AP@k): a tied group that lies wholly inside
the cut counts as a whole; the group cut by the k-th position counts in proportion; for AP the
number of its relevant tiles that make the cut follows a hypergeometric law. Figures do not
depend on the archive order, and without ties they are those of the plain ranking.
``distance_metrics`` scores any distance matrix this way (the benchmarks' cosine reference uses
it); ``retrieval_metrics`` is the Hamming case.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Query rows scored at once: bounds the (rows, archive) working arrays to a few tens of MB.
_CELLS = 1 << 21


def hamming_rank(query_codes: np.ndarray, archive_codes: np.ndarray, k: int) -> np.ndarray:
    """Indices (Q, k) of the k nearest archive codes for each query code.

    Codes are {-1, +1} (or any sign-valued) float arrays (n, q); Hamming distance is
    (q - <a, b>) / 2. Stable sort: equal distances keep archive order. The metrics below do
    not use this order (see the module docstring on ties).
    """
    qb, ab = _signs(query_codes), _signs(archive_codes)
    k = min(k, ab.shape[0])
    out = np.empty((qb.shape[0], k), dtype=np.int64)
    for start in range(0, qb.shape[0], 1024):
        dist = (qb.shape[1] - qb[start : start + 1024] @ ab.T) / 2
        out[start : start + 1024] = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return out


def _signs(codes: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(codes) >= 0, 1.0, -1.0).astype(np.float32)


def retrieval_metrics(
    query_codes: np.ndarray,
    query_labels: np.ndarray,
    archive_codes: np.ndarray,
    archive_labels: np.ndarray,
    retrieved: int = 8,
    map_at: Sequence[int] = (8, 20),
    exclude_self: bool = False,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, float]:
    """Precision/recall at ``retrieved`` (thesis) and mAP@k for each k in ``map_at``, by
    Hamming distance between the signs of the codes, ties averaged (module docstring).

    ``exclude_self``: queries are the archive itself (validation inside one split), so each
    query's own row is skipped. ``groups``: (query groups, archive groups), e.g. the image each
    tile was cut from; archive tiles of the query's own group are never retrieved (a tile's
    neighbours in the same scene would make retrieval look easier than it is).
    """
    qb, ab = _signs(query_codes), _signs(archive_codes)

    def hamming(start: int, stop: int) -> np.ndarray:
        # exact small integers in float32; rounded so that equal distances compare equal
        return np.rint((qb.shape[1] - qb[start:stop] @ ab.T) / 2)

    return _scores(
        hamming, qb.shape[0], query_labels, archive_labels, retrieved, map_at, exclude_self, groups
    )


def distance_metrics(
    distances: np.ndarray,
    query_labels: np.ndarray,
    archive_labels: np.ndarray,
    retrieved: int = 8,
    map_at: Sequence[int] = (8, 20),
    exclude_self: bool = False,
    groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, float]:
    """The figures of ``retrieval_metrics`` for any distance matrix (Q, N), smaller nearer,
    ties (equal distances) averaged the same way; ``groups`` as there."""
    dist = np.asarray(distances, dtype=np.float64)
    if exclude_self and dist.shape[0] != dist.shape[1]:
        raise ValueError("exclude_self needs the queries to be the archive")
    return _scores(
        lambda a, b: dist[a:b],
        dist.shape[0],
        query_labels,
        archive_labels,
        retrieved,
        map_at,
        exclude_self,
        groups,
    )


def _scores(
    distances, n_queries, query_labels, archive_labels, retrieved, map_at, exclude_self, groups=None
):
    ql = np.asarray(query_labels).astype(bool)
    al = np.asarray(archive_labels).astype(bool)
    total = al.shape[0]
    rows = max(1, _CELLS // max(total, 1))
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, n_queries, rows):
        stop = min(start + rows, n_queries)
        dist = np.array(distances(start, stop), dtype=np.float64)
        excluded = np.zeros(dist.shape, dtype=bool)
        if exclude_self:
            excluded[np.arange(stop - start), np.arange(start, stop)] = True
        if groups is not None:
            q_groups, a_groups = (np.asarray(g) for g in groups)
            excluded |= q_groups[start:stop, None] == a_groups[None, :]
        dist[excluded] = np.inf  # ranked last, cut
        n = total - excluded.sum(axis=1)  # tiles each query can retrieve
        if (n < 1).any():
            raise ValueError("a query has no archive tile outside its own group")
        for name, value in _query_scores(dist, ql[start:stop], al, n, retrieved, map_at).items():
            parts.setdefault(name, []).append(value)
    return {name: float(np.concatenate(v).mean()) for name, v in parts.items()}


def _query_scores(dist, ql, al, n, retrieved, map_at) -> dict[str, np.ndarray]:
    """Per-query expected P@R, R@R and AP@k over all orders of tied tiles (module docstring).

    ``dist`` (B, N'); only the first ``n`` (B,) ranked tiles of each query can be retrieved
    (``n`` < N' when the query's own tile or group was pushed to the end).
    """
    b = dist.shape[0]
    order = np.argsort(dist, axis=1, kind="stable")
    d = np.take_along_axis(dist, order, axis=1)
    inter = ql.astype(np.float64) @ al.T.astype(np.float64)  # |L_q ∩ L_r| (B, N')
    inter = np.take_along_axis(inter, order, axis=1)
    n_r = np.maximum(al.sum(axis=1), 1)[order]  # |L_r| in ranked order
    n_q = np.maximum(ql.sum(axis=1), 1)[:, None]
    kmax = min(max([retrieved, *map_at]), int(n.min()))
    # tie groups: [start, end) of the group holding each of the first kmax positions
    idx = np.arange(d.shape[1])
    first = np.ones(d.shape, dtype=bool)
    first[:, 1:] = d[:, 1:] != d[:, :-1]
    last = np.ones(d.shape, dtype=bool)
    last[:, :-1] = first[:, 1:]
    g_start = np.maximum.accumulate(np.where(first, idx, 0), axis=1)[:, :kmax]
    g_end = np.minimum.accumulate(np.where(last, idx, d.shape[1])[:, ::-1], axis=1)[:, ::-1]
    g_end = np.minimum(g_end[:, :kmax] + 1, n[:, None])

    def cum(values: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((b, 1)), np.cumsum(values, axis=1)], axis=1)

    def group_sum(c: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.take_along_axis(c, hi, axis=1) - np.take_along_axis(c, lo, axis=1)

    out: dict[str, np.ndarray] = {}
    # P@R, R@R: each position holds, in expectation, the mean tile of its tie group
    r = min(retrieved, kmax)
    size = (g_end - g_start)[:, :r]
    lo, hi = g_start[:, :r], g_end[:, :r]
    out[f"precision@{retrieved}"] = (group_sum(cum(inter / n_r), lo, hi) / size).mean(axis=1)
    out[f"recall@{retrieved}"] = (group_sum(cum(inter), lo, hi) / size / n_q).mean(axis=1)
    rel = cum(inter > 0).astype(np.int64)  # relevant tiles before each position
    for k in map_at:
        out[f"mAP@{k}"] = _expected_ap(rel, g_start, g_end, min(k, kmax))
    return out


def _expected_ap(rel: np.ndarray, g_start: np.ndarray, g_end: np.ndarray, k: int) -> np.ndarray:
    """Expected AP@k (B,) over all orders of tied tiles.

    A group [s, e) with g tiles, r of them relevant and c relevant tiles before it: when it
    lies wholly in the first k, position s + t (t = 1..g) is relevant with probability r/g and,
    given that, has c + 1 + (t-1)(r-1)/(g-1) relevant tiles up to it, so it adds
    (r/g)(c + 1 + (t-1)(r-1)/(g-1)) / (s+t) to sum_i P(i) rel(i). The group cut by position k
    keeps m = k - s positions holding j of its relevant tiles, j hypergeometric (g, r, m); given
    j the same reasoning holds with j/m and (j-1)/(m-1), and the AP denominator is c + j.
    """
    if k == 0:
        return np.zeros(rel.shape[0])
    s, e = g_start[:, :k], g_end[:, :k]
    pos = np.arange(1, k + 1)[None, :]  # 1-based rank of each position
    t = pos - s  # 1-based place inside its group
    c = np.take_along_axis(rel, s, axis=1)
    r = np.take_along_axis(rel, e, axis=1) - c
    g = e - s
    whole = e <= k
    gain = (r / g) * (c + 1 + (t - 1) * (r - 1) / np.maximum(g - 1, 1)) / pos
    fixed = np.where(whole, gain, 0.0).sum(axis=1)
    # the cut group (if any): the one holding position k, when it extends past k
    cut = ~whole[:, -1]
    s_c, e_c = s[:, -1], e[:, -1]
    c_c = np.where(cut, c[:, -1], np.take_along_axis(rel, np.full((rel.shape[0], 1), k), 1)[:, 0])
    r_c = np.where(cut, r[:, -1], 0)
    g_c = np.where(cut, e_c - s_c, 1)
    m = np.where(cut, k - s_c, 0)
    tail = ~whole  # positions of the cut group
    h1 = np.where(tail, 1.0 / pos, 0.0).sum(axis=1)
    h2 = np.where(tail, (t - 1) / pos, 0.0).sum(axis=1)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, int(g_c.max()) + 1)))])

    def log_comb(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ok = (b >= 0) & (b <= a)
        a_, b_ = np.where(ok, a, 0), np.where(ok, b, 0)
        return np.where(ok, log_fact[a_] - log_fact[b_] - log_fact[a_ - b_], -np.inf)

    ap = np.zeros(rel.shape[0])
    for j in range(int(m.max()) + 1):
        p = np.exp(log_comb(r_c, j) + log_comb(g_c - r_c, m - j) - log_comb(g_c, m))
        mm = np.maximum(m, 1)
        gain_j = (j / mm) * ((c_c + 1) * h1 + (j - 1) / np.maximum(mm - 1, 1) * h2)
        den = c_c + j
        ap += p * np.where(den > 0, (fixed + gain_j) / np.maximum(den, 1), 0.0)
    return ap
