"""Exhaustive Hamming distances in numpy: the reference every faster search is checked against.

Codes are packed bits (``np.packbits``, MSB first), shaped ``(n, bits // 8)`` uint8, the layout
``TileCodec.hash`` returns and the faiss binary index stores. numpy 1.x has no vectorised popcount,
so the XOR of two codes is looked up 16 bits at a time in a 65 536-entry table (two table reads
per 32-bit word instead of bit twiddling in Python); archives are processed in chunks so that
memory stays bounded for 10^7 codes.
"""

from __future__ import annotations

import numpy as np

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
_POPCOUNT16 = (_POPCOUNT8[:, None] + _POPCOUNT8[None, :]).reshape(-1).astype(np.uint8)
# _POPCOUNT16[hi * 256 + lo] == popcount(hi) + popcount(lo); with big-endian uint16 views the
# byte order does not matter for a count.

_CHUNK = 1 << 18  # archive codes per block: bounds temporaries to a few MB per query


def as_codes(codes: np.ndarray | bytes | list[bytes], name: str = "codes") -> np.ndarray:
    """Return ``codes`` as a C-contiguous ``(n, nbytes)`` uint8 array (one row per code)."""
    if isinstance(codes, bytes | bytearray):
        codes = np.frombuffer(bytes(codes), dtype=np.uint8)[None, :]
    elif isinstance(codes, list):
        codes = np.stack([np.frombuffer(bytes(c), dtype=np.uint8) for c in codes])
    arr = np.ascontiguousarray(codes, dtype=np.uint8)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be (n, nbytes) uint8, got shape {arr.shape}")
    return arr


def hamming_distances(queries: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """All pairwise Hamming distances, ``(n_queries, n_codes)`` int32."""
    q = as_codes(queries, "queries")
    c = as_codes(codes, "codes")
    if q.shape[1] != c.shape[1]:
        raise ValueError(f"query codes have {q.shape[1] * 8} bits, archive codes {c.shape[1] * 8}")
    out = np.empty((q.shape[0], c.shape[0]), dtype=np.int32)
    even = q.shape[1] % 2 == 0
    for start in range(0, c.shape[0], _CHUNK):
        block = c[start : start + _CHUNK]
        for i in range(q.shape[0]):
            x = np.bitwise_xor(block, q[i])
            if even:
                counts = _POPCOUNT16[x.view(np.uint16)]
            else:
                counts = _POPCOUNT8[x]
            out[i, start : start + block.shape[0]] = counts.sum(axis=1, dtype=np.int32)
    return out


def brute_force_knn(
    queries: np.ndarray, codes: np.ndarray, ids: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per query, the ``k`` nearest codes ordered by (distance, id): ``(D, I)`` like faiss.

    Rows are padded with distance ``-1`` and id ``-1`` when the archive holds fewer than ``k``.
    """
    dist = hamming_distances(queries, codes)
    ids = np.asarray(ids, dtype=np.int64)
    n_q, n = dist.shape
    kk = min(k, n)
    out_d = np.full((n_q, k), -1, dtype=np.int32)
    out_i = np.full((n_q, k), -1, dtype=np.int64)
    for row in range(n_q):
        order = np.lexsort((ids, dist[row]))[:kk]
        out_d[row, :kk] = dist[row, order]
        out_i[row, :kk] = ids[order]
    return out_d, out_i


def exhaustive_ranking(
    query_codes: np.ndarray,
    codes: np.ndarray,
    ids: np.ndarray,
    k: int,
    query_logits: np.ndarray | None = None,
    logits: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
) -> list[tuple[int, int, float | None]]:
    """The merged ranking computed over every archive code: ``[(tile_id, distance, soft)]``.

    Same rule as ``merge.merge_min`` (minimum Hamming distance over the query tiles, then the
    cosine distance of the logits of the best-matching query tile, then the id), written
    independently and without an index: the reference the index-based search is tested against.
    """
    ids = np.asarray(ids, dtype=np.int64)
    dist = hamming_distances(query_codes, codes)  # (Q, N)
    keep = np.ones(ids.shape, dtype=bool)
    if excluded is not None:
        keep &= ~np.isin(ids, np.asarray(excluded, dtype=np.int64))
    best = dist.min(axis=0)
    soft = np.full(ids.shape, np.inf)
    if query_logits is not None and logits is not None:
        q = np.asarray(query_logits, dtype=np.float64)
        a = np.asarray(logits, dtype=np.float64)
        qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-300)
        an = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)
        cos_dist = 1.0 - np.clip(qn @ an.T, -1.0, 1.0)  # (Q, N)
        cos_dist[(np.linalg.norm(q, axis=1) == 0)[:, None] | (np.linalg.norm(a, axis=1) == 0)] = 1.0
        soft = np.where(dist == best[None, :], cos_dist, np.inf).min(axis=0)
    order = [i for i in np.lexsort((ids, soft, best)) if keep[i]][:k]
    return [
        (int(ids[i]), int(best[i]), float(soft[i]) if np.isfinite(soft[i]) else None) for i in order
    ]
