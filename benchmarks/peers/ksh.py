"""Kernel-based supervised hashing, KSH (Liu, Wang, Ji, Jiang, Chang; CVPR 2012).

Each bit is sign(k(x) . a) over m zero-centred Gaussian kernel values to anchors. With l labelled
samples and S_ij = +1 for similar pairs (sharing a label) and -1 otherwise, the code inner products
are fitted to r S: bits are learned one at a time (greedy), each maximising b^T R b on the residue
R = r S - sum of earlier bits' outer products. The sign is relaxed by
phi(x) = 2 / (1 + exp(-x)) - 1, started from the spectral relaxation (a generalised eigenvector)
and refined by gradient descent; the better of start and refinement is kept.
"""

from __future__ import annotations

import numpy as np

from .blas import single_threaded
from .kernels import bandwidth, rbf


def similarity_matrix(labels: np.ndarray) -> np.ndarray:
    """+1 where two samples share at least one label, -1 otherwise (labels: multi-hot (n, L))."""
    y = np.asarray(labels, dtype=np.float64)
    if y.ndim != 2:
        raise ValueError("labels must be multi-hot of shape (samples, classes)")
    return np.where(y @ y.T > 0, 1.0, -1.0)


def _phi(x: np.ndarray) -> np.ndarray:
    return 2.0 / (1.0 + np.exp(-np.clip(x, -50, 50))) - 1.0


class SupervisedKernelHash:
    """KSH with a Gaussian kernel. ``fit`` on labelled features, then ``encode``."""

    def __init__(
        self,
        bits: int,
        anchors: int = 300,
        labelled: int = 1000,
        iterations: int = 200,
        seed: int = 0,
    ) -> None:
        if bits < 1 or anchors < 2 or labelled < 2:
            raise ValueError("need bits >= 1, anchors >= 2 and labelled >= 2")
        self.bits, self.num_anchors, self.labelled = bits, anchors, labelled
        self.iterations, self.seed = iterations, seed

    def fit(self, features: np.ndarray, labels: np.ndarray) -> SupervisedKernelHash:
        """Learn the bits from ``features`` (n, d) and labels (class ids or multi-hot)."""
        with single_threaded():
            return self._fit(features, labels)

    def _fit(self, features: np.ndarray, labels: np.ndarray) -> SupervisedKernelHash:
        from scipy.linalg import eigh
        from scipy.optimize import minimize

        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(labels)
        if y.ndim == 1:
            y = np.eye(int(y.max()) + 1)[y]
        if y.shape[0] != x.shape[0]:
            raise ValueError("features and labels must describe the same samples")
        rng = np.random.default_rng(self.seed)
        m = min(self.num_anchors, x.shape[0])
        self.anchors = x[rng.choice(x.shape[0], size=m, replace=False)]
        self.sigma = bandwidth(x, self.anchors)
        self.mean = rbf(x, self.anchors, self.sigma).mean(axis=0)
        chosen = rng.choice(x.shape[0], size=min(self.labelled, x.shape[0]), replace=False)
        k = self._kernel(x[chosen])
        n_labelled = k.shape[0]
        residue = self.bits * similarity_matrix(y[chosen])
        gram = k.T @ k + 1e-6 * np.eye(m) * max(1.0, np.trace(k.T @ k) / m)
        weights = np.zeros((m, self.bits))

        def objective(a: np.ndarray) -> tuple[float, np.ndarray]:
            b = _phi(k @ a)
            rb = residue @ b
            return -float(b @ rb), -k.T @ (rb * (1.0 - b * b))

        for bit in range(self.bits):
            _, vectors = eigh(k.T @ residue @ k, gram, subset_by_index=[m - 1, m - 1])
            start = vectors[:, 0]
            start *= np.sqrt(n_labelled / max(float(start @ (k.T @ k) @ start), 1e-12))
            result = minimize(
                objective,
                start,
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": self.iterations},
            )
            refined_gain = self._discrete_gain(k, residue, result.x)
            best = result.x if refined_gain > self._discrete_gain(k, residue, start) else start
            weights[:, bit] = best
            code = np.where(k @ best > 0, 1.0, -1.0)
            residue -= np.outer(code, code)
        self.weights = weights
        return self

    @staticmethod
    def _discrete_gain(k: np.ndarray, residue: np.ndarray, a: np.ndarray) -> float:
        code = np.where(k @ a > 0, 1.0, -1.0)
        return float(code @ residue @ code)

    def _kernel(self, x: np.ndarray) -> np.ndarray:
        return rbf(np.asarray(x, dtype=np.float64), self.anchors, self.sigma) - self.mean

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Binary codes as a bool array (n, bits)."""
        return self._kernel(features) @ self.weights > 0
