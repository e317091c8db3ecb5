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


def test_a_single_codec_point_gets_its_saving_against_the_reference_curve():
    from benchmarks.rate_distortion import RDPoint, bd_rates

    def point(bpp, psnr, sa):
        return RDPoint("m", "s", bpp, psnr, sa, 1.0, 1.0, 1)

    ref = [point(r, q, 0.1 / r) for r, q in zip(RATES, psnr_of(RATES), strict=True)]
    # half of the rate JPEG 2000 needs at 36 dB (2 bpp there), with its spectral angle
    result = bd_rates(ref, [point(1.0, 36.0, 0.05)])
    assert result["psnr_kind"] == "rate saving at the single point"
    assert result["psnr"] == pytest.approx(-50.0, abs=1e-6)
    assert result["sa"] == pytest.approx(-50.0, abs=1.0)
    two = bd_rates(ref, [point(0.5, 36.0, 0.05), point(1.0, 42.0, 0.025)])
    assert two["psnr_kind"] == "BD-rate" and two["psnr"] == pytest.approx(-75.0, abs=1e-6)
    outside = bd_rates(ref, [point(1.0, 90.0, 0.05)])
    assert outside["psnr_kind"].startswith("not computable")
