"""Quality metrics on known cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scicbir.codec import metrics
from scicbir.codec.normalisation import Normalisation


def test_psnr_of_a_known_error():
    x = np.zeros((3, 8, 8), np.float32)
    y = x + 0.1
    assert metrics.psnr(x, y) == pytest.approx(20.0)
    assert metrics.psnr(x, x) == math.inf


def test_ssim_is_one_for_identical_and_lower_for_noisy():
    rng = np.random.default_rng(0)
    x = rng.random((4, 32, 32)).astype(np.float32)
    assert metrics.ssim(x, x) == pytest.approx(1.0, abs=1e-6)
    noise = rng.normal(0, 1, x.shape).astype(np.float32)
    a = metrics.ssim(x, x + 0.05 * noise)
    b = metrics.ssim(x, x + 0.5 * noise)
    assert 1.0 > a > b and b < 0.5


def test_spectral_angle_ignores_brightness_and_sees_colour():
    rng = np.random.default_rng(1)
    x = rng.random((5, 6, 6)) + 0.1
    assert metrics.spectral_angle(x, 3 * x) == pytest.approx(0.0, abs=1e-7)
    a = np.zeros((2, 1, 1))
    b = np.zeros((2, 1, 1))
    a[0] = 1
    b[1] = 1
    assert metrics.spectral_angle(a, b) == pytest.approx(math.pi / 2)


def test_bpp_counts_stream_bits_per_spatial_pixel():
    assert metrics.bpp(1800, 120, 120) == pytest.approx(1.0)


def test_normalisation_round_trip_to_source_dtype():
    norm = Normalisation([0.0, 100.0], [20566.0, 2.0])
    x = np.array([[[0, 20566]], [[100, 65535]]], dtype=np.uint16)
    back = norm.to_dtype(norm.inverse(norm.forward(x)), np.uint16)
    assert back.dtype == np.uint16 and np.array_equal(back, x)
    assert norm.to_dtype(np.array([-5.0, 1e9]), np.uint16).tolist() == [0, 65535]
