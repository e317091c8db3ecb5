"""Gaussian (RBF) kernel shared by the kernel hashing peers, with a data-driven bandwidth."""

from __future__ import annotations

import numpy as np


def squared_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pairwise squared Euclidean distances between the rows of ``x`` and ``y``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    d = (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2.0 * x @ y.T
    return np.maximum(d, 0.0)


def bandwidth(x: np.ndarray, anchors: np.ndarray) -> float:
    """Mean distance from samples to anchors: the usual bandwidth choice of both papers."""
    sigma = float(np.sqrt(squared_distances(x, anchors)).mean())
    if not sigma > 0:
        raise ValueError("all features are identical: a kernel bandwidth cannot be chosen")
    return sigma


def rbf(x: np.ndarray, anchors: np.ndarray, sigma: float) -> np.ndarray:
    """exp(-||x - a||^2 / (2 sigma^2)) for every row of ``x`` against every anchor."""
    return np.exp(-squared_distances(x, anchors) / (2.0 * sigma * sigma))
