"""Codes and distances used by every retrieval method of the benchmark.

Hamming distances between short codes tie often. Scores are not taken from a ranking here:
every method's distances go to the engine's ``scicbir.training.retrieval``, which averages
each figure over all orders of tied tiles, so no method gains from a luckier tie rule.
"""

from __future__ import annotations

import numpy as np


def random_codes(count: int, bits: int, seed: int = 0) -> np.ndarray:
    """Uniformly random codes (n, bits) bool: the floor any hashing method must beat."""
    return np.random.default_rng(seed).random((count, bits)) < 0.5


def unpack_codes(packed: np.ndarray, bits: int) -> np.ndarray:
    """np.packbits layout (MSB first, (n, bits/8) uint8) back to a bool array (n, bits)."""
    return np.unpackbits(np.asarray(packed, dtype=np.uint8), axis=1, count=bits).astype(bool)


def hamming_distances(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """Hamming distances (n_queries, n_database) between bool code arrays."""
    q = np.asarray(queries, dtype=np.float32)
    d = np.asarray(database, dtype=np.float32)
    if q.shape[1] != d.shape[1]:
        raise ValueError(f"code lengths differ: {q.shape[1]} and {d.shape[1]} bits")
    agree = q @ d.T + (1.0 - q) @ (1.0 - d).T
    return np.rint(q.shape[1] - agree).astype(np.int32)


def cosine_distances(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """1 - cosine similarity between continuous feature rows (exact ranking reference)."""
    q = np.asarray(queries, dtype=np.float64)
    d = np.asarray(database, dtype=np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    d = d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
    return 1.0 - q @ d.T


def l2_distances(queries: np.ndarray, database: np.ndarray) -> np.ndarray:
    """Euclidean distances between continuous feature rows (exact ranking reference)."""
    q = np.asarray(queries, dtype=np.float64)
    d = np.asarray(database, dtype=np.float64)
    squared = (q * q).sum(1)[:, None] + (d * d).sum(1)[None, :] - 2.0 * q @ d.T
    return np.sqrt(np.maximum(squared, 0.0))
