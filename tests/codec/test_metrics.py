"""Quality metrics on known cases."""

from __future__ import annotations

import json
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


def test_one_normalisation_serialises_clips_and_maps_back():
    """The catalog's record of a source's range reads back as the same normalisation, archive
    inputs are bounded, and decoding maps back to the source's dtype."""
    from scicbir.codec.normalisation import CLIP_HIGH

    norm = Normalisation([10.0, 0.0], [100.0, 255.0], "source_range")
    assert Normalisation.from_dict(json.loads(json.dumps(norm.as_dict()))) == norm
    x = np.array([[[[10.0, 110.0]], [[0.0, 1e30]]]])
    clipped, count = norm.forward_counted(x)
    assert count == 1 and clipped.max() == CLIP_HIGH
    assert np.array_equal(norm.forward(x, clip=True), clipped)
    back = norm.to_dtype(norm.inverse(norm.forward(x[:, :, :, :1])), np.uint8)
    assert back[0, :, 0, 0].tolist() == [10, 0]


def test_one_psnr_leaves_nodata_out_and_caps_lossless_tiles():
    from scicbir.codec.metrics import psnr

    x = np.zeros((2, 4, 4))
    y = x.copy()
    y[:, 0, 0] = 1.0  # only the nodata pixel differs
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = True
    assert psnr(x, y, mask=mask) == math.inf
    assert psnr(x, y, mask=mask, cap=100.0) == 100.0
    assert psnr(x, y) == pytest.approx(10 * math.log10(16))
