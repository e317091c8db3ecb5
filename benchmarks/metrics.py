"""Bjontegaard delta rate (BD-rate): the average bit-rate difference between two RD curves.

Why here: the engine measures single tiles (bpp, PSNR, SA); comparing whole rate-distortion
curves of two codecs is a benchmark concern. The retrieval metrics (P@8, R@8, mAP@k) are the
engine's own (``scicbir.training.retrieval``) and are not repeated here.

Method (Bjontegaard, VCEG-M33, with the piecewise cubic interpolation of later VCEG/JVET
practice): each curve is log(rate) as a function of quality, interpolated with a monotone
piecewise cubic (PCHIP) through its points; both are integrated over the quality interval the
curves share; the mean log-rate difference d gives BD-rate = exp(d) - 1. Negative means the
test codec needs fewer bits than the reference for the same quality.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _curve(rates: Sequence[float], quality: Sequence[float], name: str):
    from scipy.interpolate import PchipInterpolator

    r = np.asarray(rates, dtype=np.float64)
    q = np.asarray(quality, dtype=np.float64)
    if r.shape != q.shape or r.ndim != 1:
        raise ValueError(f"{name}: rates and quality must be 1-D and of equal length")
    keep = np.isfinite(r) & np.isfinite(q) & (r > 0)
    r, q = r[keep], q[keep]
    # one rate per quality value: the cheapest one (a dominated point adds nothing to a curve)
    order = np.lexsort((r, q))
    q, r = q[order], r[order]
    q, first = np.unique(q, return_index=True)
    r = r[first]
    if q.size < 2:
        raise ValueError(f"{name}: need at least 2 distinct finite points, got {q.size}")
    return PchipInterpolator(q, np.log(r)), float(q[0]), float(q[-1])


def bd_rate(
    ref_rates: Sequence[float],
    ref_quality: Sequence[float],
    test_rates: Sequence[float],
    test_quality: Sequence[float],
) -> float:
    """BD-rate of ``test`` against ``ref`` in percent (negative: test saves bits).

    ``quality`` is any measure where higher is better (PSNR in dB; pass minus the spectral
    angle for SA). Raises ``ValueError`` when the curves share no quality interval.
    """
    ref, ref_lo, ref_hi = _curve(ref_rates, ref_quality, "reference curve")
    test, test_lo, test_hi = _curve(test_rates, test_quality, "test curve")
    lo, hi = max(ref_lo, test_lo), min(ref_hi, test_hi)
    if not hi > lo:
        raise ValueError(
            f"the curves share no quality range (reference {ref_lo:.3g}..{ref_hi:.3g}, "
            f"test {test_lo:.3g}..{test_hi:.3g}): add rate points so they overlap"
        )
    mean_diff = (test.integrate(lo, hi) - ref.integrate(lo, hi)) / (hi - lo)
    return float((np.exp(mean_diff) - 1.0) * 100.0)


def overlap(
    ref_quality: Sequence[float], test_quality: Sequence[float]
) -> tuple[float, float] | None:
    """The quality interval two curves share, or None (a BD-rate needs one)."""
    a = np.asarray(ref_quality, dtype=np.float64)
    b = np.asarray(test_quality, dtype=np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return None
    lo, hi = max(a.min(), b.min()), min(a.max(), b.max())
    return (float(lo), float(hi)) if hi > lo else None
