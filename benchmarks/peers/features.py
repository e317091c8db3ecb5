"""A hand-crafted colour/gradient histogram feature: what retrieval gets without learning.

Per band, a histogram of values between that band's 1st and 99th percentile over the fitted
tiles (fixed ranges would waste most bins on multispectral reflectances); on the band mean, a
histogram of gradient orientations weighted by magnitude and a histogram of log magnitudes.
Histograms are square-rooted (Hellinger) so cosine ranking compares them sensibly.
"""

from __future__ import annotations

import numpy as np


class ColourGradientHistogram:
    """``fit`` the band ranges on some tiles, then ``transform`` (B, C, h, w) tiles."""

    def __init__(self, value_bins: int = 16, orientation_bins: int = 8, magnitude_bins: int = 8):
        self.value_bins = value_bins
        self.orientation_bins = orientation_bins
        self.magnitude_bins = magnitude_bins

    def fit(self, tiles: np.ndarray) -> ColourGradientHistogram:
        x = np.asarray(tiles, dtype=np.float64)
        if x.ndim != 4:
            raise ValueError(f"expected tiles (B, C, h, w), got shape {x.shape}")
        flat = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)
        self.low = np.percentile(flat, 1, axis=1)
        self.high = np.maximum(np.percentile(flat, 99, axis=1), self.low + 1e-6)
        magnitude = self._gradients(x)[0]
        positive = magnitude[magnitude > 0]
        top = float(np.percentile(positive, 99)) if positive.size else 1.0
        self.magnitude_edges = np.geomspace(top * 1e-3, top, self.magnitude_bins - 1)
        return self

    @staticmethod
    def _gradients(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grey = x.mean(axis=1)
        gy, gx = np.gradient(grey, axis=(1, 2))
        return np.hypot(gx, gy), np.mod(np.arctan2(gy, gx), np.pi)

    def transform(self, tiles: np.ndarray) -> np.ndarray:
        x = np.asarray(tiles, dtype=np.float64)
        n, c = x.shape[:2]
        if c != self.low.size:
            raise ValueError(f"fitted on {self.low.size} bands, got {c}")
        scaled = (x - self.low[None, :, None, None]) / (self.high - self.low)[None, :, None, None]
        index = np.clip((scaled * self.value_bins).astype(np.int64), 0, self.value_bins - 1)
        values = np.zeros((n, c, self.value_bins))
        for b in range(self.value_bins):
            values[:, :, b] = (index == b).mean(axis=(2, 3))
        magnitude, angle = self._gradients(x)
        o_index = np.minimum(
            (angle / np.pi * self.orientation_bins).astype(np.int64), self.orientation_bins - 1
        )
        orient = np.zeros((n, self.orientation_bins))
        for b in range(self.orientation_bins):
            orient[:, b] = np.where(o_index == b, magnitude, 0.0).sum(axis=(1, 2))
        orient /= np.maximum(orient.sum(axis=1, keepdims=True), 1e-12)
        m_index = np.searchsorted(self.magnitude_edges, magnitude)
        mags = np.stack([(m_index == b).mean(axis=(1, 2)) for b in range(self.magnitude_bins)], 1)
        blocks = [values.reshape(n, -1) / c, orient, mags]
        feature = np.sqrt(np.concatenate(blocks, axis=1))
        return feature / np.maximum(np.linalg.norm(feature, axis=1, keepdims=True), 1e-12)
