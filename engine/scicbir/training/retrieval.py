"""Retrieval accuracy of hash codes: the thesis protocol (P@R, R@R, eqs. 4.8-4.9) and mAP@k.

Queries are ranked against an archive by Hamming distance (ties broken by archive order, so
figures are reproducible). For each query q and retrieved tile r with label sets L_q and L_r:
precision = mean |L_r ∩ L_q| / |L_r| and recall = mean |L_r ∩ L_q| / |L_q| over the R retrieved
tiles and all queries. mAP@k counts a retrieved tile as relevant when it shares at least one
label with the query; AP@k = sum_i P(i) rel(i) / (relevant tiles among the first k), 0 when
none is relevant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def hamming_rank(query_codes: np.ndarray, archive_codes: np.ndarray, k: int) -> np.ndarray:
    """Indices (Q, k) of the k nearest archive codes for each query code.

    Codes are {-1, +1} (or any sign-valued) float arrays (n, q); Hamming distance is
    (q - <a, b>) / 2. Stable sort: equal distances keep archive order.
    """
    qb = np.where(query_codes >= 0, 1.0, -1.0).astype(np.float32)
    ab = np.where(archive_codes >= 0, 1.0, -1.0).astype(np.float32)
    k = min(k, ab.shape[0])
    out = np.empty((qb.shape[0], k), dtype=np.int64)
    for start in range(0, qb.shape[0], 1024):
        dist = (qb.shape[1] - qb[start : start + 1024] @ ab.T) / 2
        out[start : start + 1024] = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return out


def retrieval_metrics(
    query_codes: np.ndarray,
    query_labels: np.ndarray,
    archive_codes: np.ndarray,
    archive_labels: np.ndarray,
    retrieved: int = 8,
    map_at: Sequence[int] = (8, 20),
    exclude_self: bool = False,
) -> dict[str, float]:
    """Precision/recall at ``retrieved`` (thesis) and mAP@k for each k in ``map_at``.

    ``exclude_self``: queries are the archive itself (validation inside one split), so each
    query's own row is skipped.
    """
    ql = query_labels.astype(bool)
    al = archive_labels.astype(bool)
    kmax = max([retrieved, *map_at]) + (1 if exclude_self else 0)
    ranks = hamming_rank(query_codes, archive_codes, kmax)
    if exclude_self:
        rows = []
        for i, r in enumerate(ranks):
            rows.append(r[r != i][: kmax - 1])
        ranks = np.stack(rows)
    inter = np.einsum("ql,qkl->qk", ql.astype(np.float32), al[ranks].astype(np.float32))
    n_r = al[ranks].sum(axis=2).clip(min=1)
    n_q = ql.sum(axis=1, keepdims=True).clip(min=1)
    R = min(retrieved, ranks.shape[1])
    out = {
        f"precision@{retrieved}": float((inter[:, :R] / n_r[:, :R]).mean()),
        f"recall@{retrieved}": float((inter[:, :R] / n_q).mean()),
    }
    relevant = inter > 0
    for k in map_at:
        k_ = min(k, relevant.shape[1])
        rel = relevant[:, :k_].astype(np.float64)
        prec_at_i = np.cumsum(rel, axis=1) / np.arange(1, k_ + 1)
        n_rel = rel.sum(axis=1)
        ap = np.where(n_rel > 0, (prec_at_i * rel).sum(axis=1) / np.maximum(n_rel, 1), 0.0)
        out[f"mAP@{k}"] = float(ap.mean())
    return out
