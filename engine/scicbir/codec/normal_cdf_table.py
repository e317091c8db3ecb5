"""Gaussian CDF values at symbol edges, looked up instead of computed, bit for bit the same.

Building the probability tables of a tile (``entropy.build_cdfs``) evaluates the normal CDF
``ndtr((edge - mean) / scale)`` for every mixture component of every latent at every symbol
edge; on a 64 px tile that was about a third of the decode time. The arguments live on a grid,
though: the mixture parameters are snapped before the tables are built (means to 1/64, scales
to 1/16 of an octave), and the edges are half-integers, so ``edge - mean`` is exactly
``d / 64`` for an integer ``d``, and the scale is one of the grid's scales. This table holds
``ndtr((d / 64) / scale)`` computed by the very same float64 operations, hence the very same
values: a stream coded with computed tables decodes with looked-up ones and the other way round.

Layout: one row per grid scale, computed on first use (a process pays only for the scales its
tiles use, ~135 KiB each); within a row the values are grouped by ``d mod 64``, so the edges of
one latent (``d`` a step of 64 apart) are neighbours in memory and a lookup reads a few cache
lines. Pairs the table does not cover (a mean beyond ``±(REACH - abs_max - 1)``, a scale off
the grid, NaN) are left to the caller to compute.
"""

from __future__ import annotations

import threading

import numpy as np
from scipy.special import ndtr

#: ``|d| / steps_per_unit`` covered: edges reach ±(MAX_ABS + 1.5), so means up to about ±66.
REACH = 132


class NormalCdfTable:
    """``ndtr((d / steps_per_unit) / scale)`` for the scales ``exp2(j / per_octave)``,
    ``j_min <= j <= j_max``, and the integers ``|d| <= half = REACH * steps_per_unit``."""

    def __init__(self, j_min: int, j_max: int, per_octave: float, steps_per_unit: int) -> None:
        self.j_min, self.per_octave, self.unit = j_min, per_octave, steps_per_unit
        self.half = REACH * steps_per_unit
        self.columns = 2 * REACH + 1  # d + half = q * unit + phase, q < columns
        rows = j_max - j_min + 1
        t = np.arange(steps_per_unit)[:, None] + steps_per_unit * np.arange(self.columns)
        self._offsets = (t - self.half).astype(np.float64) / steps_per_unit  # exactly d / unit
        self._rows = np.zeros((rows, steps_per_unit, self.columns), dtype=np.float64)
        self._values = self._rows.reshape(-1)  # a view: lookups index it flat
        self._built = np.zeros(rows, dtype=bool)
        self._scale_of = np.full(rows, np.nan)
        self._lock = threading.Lock()  # the service may build tables from several threads

    def rows_of(self, scales: np.ndarray) -> np.ndarray:
        """Table row of each snapped scale (L,), built if need be; -1 for a scale the table
        cannot stand for (not finite, off the grid), which the caller computes directly.

        A row is built from a scale value the caller passes, and later scales use it only when
        they are that very float64 value, so a lookup is the direct computation's value
        whatever exp2 implementation made the scales."""
        with np.errstate(invalid="ignore", divide="ignore"):
            j = np.rint(np.log2(scales) * self.per_octave)
        ok = np.isfinite(j) & (j >= self.j_min) & (j < self.j_min + self._built.size)
        rows = np.where(ok, j - self.j_min, 0).astype(np.int64)
        if not self._built[rows[ok]].all():
            self._build(scales, rows, ok)
        ok &= self._scale_of[rows] == scales
        return np.where(ok, rows, -1)

    def _build(self, scales: np.ndarray, rows: np.ndarray, ok: np.ndarray) -> None:
        """Compute the missing rows from the first scale value that falls on each."""
        with self._lock:
            for r in np.unique(rows[ok & ~self._built[rows]]):
                if self._built[r]:
                    continue
                scale = scales[np.flatnonzero(ok & (rows == r))[0]]
                self._rows[r] = ndtr(self._offsets / scale)
                self._scale_of[r] = scale
                self._built[r] = True

    @property
    def values(self) -> np.ndarray:
        """All values, flat (rows not built yet are zeros): what ``bases`` indexes."""
        return self._values

    def bases(self, rows: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Flat index of the value for row ``rows[i]`` and d = ``first[i]``; the values for
        d + e * steps_per_unit follow at index + e (the edges of one latent are neighbours).

        Rows must come from ``rows_of`` (>= 0) and every d be within ±``half``."""
        q, phase = np.divmod(first + self.half, self.unit)
        return (rows * self.unit + phase) * self.columns + q

    def lookup(self, rows: np.ndarray, first: np.ndarray, count: int) -> np.ndarray:
        """(L, count) values: row ``rows[i]``, d = ``first[i] + e * steps_per_unit`` for
        e = 0 .. count - 1 (the edges of one latent).

        Rows must come from ``rows_of`` (>= 0) and every d be within ±``half``."""
        return self._values.take(self.bases(rows, first)[:, None] + np.arange(count))
