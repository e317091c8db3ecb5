"""The faiss binary index a search scans, chosen by how many codes it holds.

Up to ``FLAT_MAX`` entries the search is exhaustive (``IndexBinaryFlat``): exact, and at 64 bits
about 11 ms per query tile on one core at 10^7 codes. Beyond it the scan grows with the
archive (111 ms at 10^8 codes), and a region of 16 query tiles would take seconds, so the
entries go into an inverted file (``IndexBinaryIVF``): codes are filed under the nearest of
``nlist`` binary centroids, and a query scans the lists of its ``nprobe`` nearest centroids,
as many as the archive's own codes need for recall@20 >= 0.97 (``calibrate``).

The choice comes from ``benchmarks/bench_index_types.py`` (figures in docs/search-scale.md):
of the sub-linear binary indexes of faiss, the inverted file reached recall@20 >= 0.95 against
exact search at the lowest latency and memory on clustered (trained-hash-like) codes, builds in
minutes, and unlike ``IndexBinaryMultiHash`` (several times the memory, recall falling on
uniform codes) or ``IndexBinaryHNSW`` (83 s to build 10^6 codes, recall 0.93 at most on clustered ones)
it stays practical at 10^8. Results remain exact in their distances; only which codes are
found depends on the lists visited.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Entries up to which the search scans every code (exact).
FLAT_MAX = 20_000_000
#: Codes per inverted list the lists are sized for, and the share of lists a query visits.
_CODES_PER_LIST = 25_000
_PROBE_SHARE = 1 / 32
_TRAIN_PER_LIST = 64
#: The recall@20 against exact search an inverted file is tuned to reach on the archive's codes.
TARGET_RECALL = 0.97


def ivf_parameters(n: int) -> tuple[int, int]:
    """``(nlist, nprobe)`` for ``n`` codes: lists of ~``_CODES_PER_LIST`` codes (a power of
    two, at least 64), a query visiting ``1/32`` of them (at least 16) until ``calibrate``
    has measured what the archive's own codes need."""
    nlist = 1 << max(6, int(round(np.log2(max(1, n) / _CODES_PER_LIST))))
    return nlist, max(16, int(nlist * _PROBE_SHARE))


def calibrate(
    index: Any, codes: np.ndarray, k: int = 20, target: float = TARGET_RECALL, queries: int = 64
) -> float:
    """Set the inverted file's ``nprobe`` to the fewest lists that give ``target`` recall@k on
    queries like the archive's; returns the recall measured at that setting.

    How many lists a query must visit depends on how the codes cluster and on their number:
    codes clustered like trained hash codes (neighbours 3-7 bits away) needed 1/32 of the lists
    for 0.99 at 10^7 and 1/64 at 10^8, uniform random bits 1/8 (bench_index_types.py). So it is measured on the archive's own codes: ``queries`` of them,
    each with two bits flipped (a similar tile, not the tile itself), against an exact scan;
    recall counts a returned code whose distance is within the exact k-th (Hamming ties make
    any k codes at that distance equally right). Visits 1/64 .. 1/2 of the lists, doubling.
    """
    import faiss

    rng = np.random.default_rng(1)
    sample = codes[rng.choice(len(codes), min(queries, len(codes)), replace=False)].copy()
    for row in sample:
        for bit in rng.choice(row.size * 8, 2, replace=False):
            row[bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    exact = faiss.IndexBinaryFlat(index.d)
    exact.add(np.ascontiguousarray(codes))
    exact_kth = exact.search(sample, k)[0][:, -1]
    del exact
    recall = 0.0
    nprobe = max(1, index.nlist // 64)
    while True:
        index.nprobe = nprobe
        dist, ids = index.search(sample, k)
        found = ((ids != -1) & (dist <= exact_kth[:, None])).sum(axis=1)
        recall = float(np.minimum(found, k).mean() / k)
        if recall >= target or nprobe >= index.nlist // 2:
            return recall
        nprobe *= 2


def entries_index(codes: np.ndarray, ids: np.ndarray, bits: int, flat_max: int | None = None):
    """A faiss binary index of ``codes`` under ``ids``: flat up to ``flat_max`` entries
    (default ``FLAT_MAX``), an inverted file beyond."""
    import faiss

    flat_max = FLAT_MAX if flat_max is None else flat_max
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) <= flat_max:
        index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(bits))
        if len(ids):
            index.add_with_ids(codes, ids)
        return index
    nlist, nprobe = ivf_parameters(len(ids))
    nlist = min(nlist, max(1, len(ids) // 39))  # k-means wants >= 39 training codes per list
    nprobe = min(nprobe, nlist)
    quantizer = faiss.IndexBinaryFlat(bits)
    index = faiss.IndexBinaryIVF(quantizer, bits, nlist)
    index.referenced_objects = [quantizer]  # the C++ index does not own its quantizer
    rng = np.random.default_rng(0)
    sample = rng.choice(len(ids), min(len(ids), _TRAIN_PER_LIST * nlist), replace=False)
    index.train(codes[np.sort(sample)])
    index.add_with_ids(codes, ids)
    index.nprobe = nprobe
    index.measured_recall = calibrate(index, codes)
    return index


def measured_recall(index: Any) -> float:
    """recall@20 against exact search: 1 for a flat index, else what ``calibrate`` measured."""
    return float(getattr(index, "measured_recall", 1.0))


def is_exact(index: Any) -> bool:
    """Whether ``index`` scans every code (flat) rather than an inverted file's lists."""
    import faiss

    return not isinstance(faiss.downcast_IndexBinary(index), faiss.IndexBinaryIVF)
