"""Kernelized locality-sensitive hashing (Kulis & Grauman, ICCV 2009), unsupervised.

LSH by random hyperplanes needs explicit feature vectors; KLSH draws the hyperplanes in a kernel's
feature space instead. From p anchor samples with centred kernel matrix K, each bit takes a random
subset S of t anchors; by the central limit theorem the mean of their (whitened) feature vectors
approximates a Gaussian direction, giving the weights w = K^(-1/2) e_S over the anchors and the bit
h(x) = sign(sum_i w_i k~(x, x_i)) where k~ is the centred kernel.
"""

from __future__ import annotations

import numpy as np

from .blas import single_threaded
from .kernels import bandwidth, rbf


class KernelLSH:
    """KLSH with a Gaussian kernel. ``fit`` on unlabelled features, then ``encode``."""

    def __init__(self, bits: int, anchors: int = 300, subset: int = 30, seed: int = 0) -> None:
        if bits < 1 or anchors < 2 or not 1 <= subset <= anchors:
            raise ValueError("need bits >= 1, anchors >= 2 and 1 <= subset <= anchors")
        self.bits, self.num_anchors, self.subset, self.seed = bits, anchors, subset, seed

    def fit(self, features: np.ndarray) -> KernelLSH:
        """Draw anchors and hyperplanes from unlabelled ``features`` (n, d)."""
        with single_threaded():
            return self._fit(features)

    def _fit(self, features: np.ndarray) -> KernelLSH:
        x = np.asarray(features, dtype=np.float64)
        rng = np.random.default_rng(self.seed)
        p = min(self.num_anchors, x.shape[0])
        t = min(self.subset, p)
        self.anchors = x[rng.choice(x.shape[0], size=p, replace=False)]
        self.sigma = bandwidth(x, self.anchors)
        k = rbf(self.anchors, self.anchors, self.sigma)
        self.col_mean = k.mean(axis=0)
        self.all_mean = k.mean()
        centring = np.eye(p) - 1.0 / p
        kc = centring @ k @ centring
        values, vectors = np.linalg.eigh((kc + kc.T) / 2)
        keep = values > values.max() * 1e-8
        inv_sqrt = (vectors[:, keep] / np.sqrt(values[keep])) @ vectors[:, keep].T
        e = np.zeros((p, self.bits))
        for b in range(self.bits):
            e[rng.choice(p, size=t, replace=False), b] = 1.0
        self.weights = inv_sqrt @ e
        return self

    def _centred_kernel(self, x: np.ndarray) -> np.ndarray:
        k = rbf(np.asarray(x, dtype=np.float64), self.anchors, self.sigma)
        return k - k.mean(axis=1, keepdims=True) - self.col_mean[None, :] + self.all_mean

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Binary codes as a bool array (n, bits)."""
        return self._centred_kernel(features) @ self.weights > 0
