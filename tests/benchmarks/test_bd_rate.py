"""BD-rate on curves whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import bd_rate, overlap

RATES = np.array([0.25, 0.5, 1.0, 2.0, 4.0])


def psnr_of(rates: np.ndarray, offset: float = 30.0) -> np.ndarray:
    """A codec whose PSNR grows 6 dB per doubling of the rate (log-linear RD curve)."""
    return offset + 6.0 * np.log2(rates)


def test_half_the_rate_at_equal_quality_is_minus_fifty_percent():
    ref_q = psnr_of(RATES)
    assert bd_rate(RATES, ref_q, RATES / 2, ref_q) == pytest.approx(-50.0, abs=1e-9)
    assert bd_rate(RATES / 2, ref_q, RATES, ref_q) == pytest.approx(100.0, abs=1e-9)


def test_a_quality_shift_converts_to_its_rate_equivalent():
    # +6 dB at every rate on a 6 dB/doubling curve is worth exactly half the bits
    ref_q = psnr_of(RATES)
    test_q = psnr_of(RATES, offset=36.0)
    assert bd_rate(RATES, ref_q, RATES, test_q) == pytest.approx(-50.0, abs=1e-6)


def test_identical_curves_and_point_order_do_not_matter():
    ref_q = psnr_of(RATES)
    shuffled = np.array([3, 0, 4, 1, 2])
    assert bd_rate(RATES, ref_q, RATES[shuffled], ref_q[shuffled]) == pytest.approx(0.0, abs=1e-9)


def test_curves_without_a_common_quality_range_are_refused():
    low = psnr_of(RATES)
    with pytest.raises(ValueError, match="share no quality range"):
        bd_rate(RATES, low, RATES, low + 100.0)
    assert overlap(low, low + 100.0) is None
    assert overlap(low, low + 1.0) == pytest.approx((low.min() + 1.0, low.max()))


def test_a_single_point_is_not_a_curve():
    with pytest.raises(ValueError, match="at least 2"):
        bd_rate([1.0], [30.0], RATES, psnr_of(RATES))
