"""One model package with several rate points draws an RD curve; quality measures as stated."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from benchmarks import datasets, rate_distortion, run_all
from benchmarks.rate_distortion import RDPoint


@pytest.fixture(scope="module")
def rgb_tiles(data_dir) -> datasets.TileSet:
    """Three real 64 px RGB tiles (uint8) cut at native resolution from a committed sample."""
    with rasterio.open(data_dir / "rgb" / "rmnp-rgb.tif") as src:
        image = src.read()
    cut = datasets.cut_grid(image, 64)[:3]
    return datasets.TileSet(
        "rmnp", np.stack([t for t, _, _ in cut]), [f"rmnp:{y}:{x}" for _, y, x in cut]
    )


@pytest.fixture(scope="module")
def two_point_package(tmp_path_factory):
    """A random package with two rate points: q1 (small latents, fewer bits), q2 the default."""
    from scicbir.models.package import ModelPackage
    from scicbir.models.testing import make_random_package

    root = tmp_path_factory.mktemp("rate-points")
    common = dict(bands=3, tile_size=64, N=16, M=16, name="curve")
    low = make_random_package(root / "low", latent_std=0.5, **common)
    high = make_random_package(root / "high", latent_std=4.0, **common)
    points = [
        ({"bpp": 0.5, "psnr": 20.0, "lmbda": 0.001}, low.build_network().state_dict()),
        ({"bpp": 2.0, "psnr": 25.0, "lmbda": 0.01}, None),
    ]
    card = "# curve\n\nRandomly initialised; not trained.\n"
    return ModelPackage.save(high.build_network(), high.config, root / "pkg", card, points)


def test_every_rate_point_of_a_package_is_a_point_of_the_curve(two_point_package, rgb_tiles):
    views = rate_distortion.rate_point_packages(two_point_package)
    assert [v.quality for v in views] == [1, 2]
    assert len({v.checksum for v in views}) == 2  # each point codes with its own weights
    offset, scale = np.zeros(3), np.full(3, 255.0)
    points = rate_distortion.codec_points(two_point_package, rgb_tiles, offset, scale)
    assert [p.setting for p in points] == ["curve q1", "curve q2 (default)"]
    assert all(p.tiles == 3 and np.isfinite(p.psnr) and p.bpp > 0 for p in points)
    assert points[0].bpp < points[1].bpp  # the smaller latents of q1 cost fewer bits
    # run_all draws the band count's curve from all of them
    assert [p.setting for p in run_all.curve_of([two_point_package], rgb_tiles, offset, scale)] == [
        p.setting for p in points
    ]
    # two points are a curve: BD-rate (or a refusal for lack of overlap), never a single point
    jp2 = rate_distortion.jpeg2000_curve(rgb_tiles, offset, scale, qualities=(1.0, 3.0, 8.0))
    assert len(jp2) >= 2
    kind = rate_distortion.bd_rates(jp2, points)["psnr_kind"]
    assert kind == "BD-rate" or "share no quality range" in kind


def test_a_package_without_rate_points_is_one_point(tiny_rgb_model, rgb_tiles):
    assert rate_distortion.rate_point_packages(tiny_rgb_model) == [tiny_rgb_model]
    assert rate_distortion.point_label(tiny_rgb_model) == tiny_rgb_model.model_id


def test_psnr_against_a_stated_peak_and_spectral_angle_in_the_compared_range():
    rng = np.random.default_rng(0)
    original = rng.integers(500, 4000, size=(12, 8, 8), dtype=np.uint16)
    decoded = original + np.uint16(10)  # MSE 100 DN^2
    offset, scale = np.zeros(12), np.full(12, 20566.0)
    psnr, sa = rate_distortion.quality(original, decoded, offset, scale, peak=10000.0)
    assert psnr == pytest.approx(60.0)  # 10 log10(10000^2 / 100), whatever the model's scale
    same, _ = rate_distortion.quality(original, decoded, offset, np.full(12, 10000.0))
    assert same == pytest.approx(60.0)  # peak 1.0 of a /10000 range is the same peak
    assert 0 < sa < 0.01


def _point(bpp: float, psnr: float, sa: float, setting: str = "s") -> RDPoint:
    return RDPoint("m", setting, bpp, psnr, sa, 1.0, 1.0, 1)


RATES = np.array([0.5, 1.0, 2.0, 4.0])
JP2 = [_point(r, 30.0 + 6.0 * np.log2(r), 0.05 / r) for r in RATES]


def test_spectral_angle_is_read_off_the_reference_curve_at_equal_bpp():
    found = rate_distortion.sa_at_equal_rate(
        JP2, [_point(8.0, 50, 0.01, "far"), _point(1.0, 30, 0.04, "on"), _point(1.5, 33, 0.02)]
    )
    assert [p.setting for p, _, _ in found] == ["on", "s", "far"]  # by bpp
    assert found[0][1] == pytest.approx(0.05)  # exactly a reference point
    assert found[1][1] == pytest.approx(0.05 / 1.5, rel=0.03)  # interpolated between 1 and 2
    assert found[2][1] is None and "outside" in found[2][2]  # never extrapolated


def test_bits_saved_only_at_points_of_at_least_the_stated_psnr():
    ours = [_point(0.25, 30.0, 0.1), _point(1.0, 42.0, 0.03), _point(0.5, 36.0, 0.05)]
    found = rate_distortion.savings_at_quality(JP2, ours, min_psnr=35.0)
    assert [p.psnr for p, _, _ in found] == [36.0, 42.0]
    # 36 dB costs JPEG 2000 2 bpp, 42 dB 4 bpp: our 0.5 and 1.0 bpp save 75 %
    assert [v for _, v, _ in found] == pytest.approx([-75.0, -75.0])
    beyond = rate_distortion.savings_at_quality(JP2, [_point(1.0, 60.0, 0.01)], 40.0)
    assert beyond[0][1] is None and "outside" in beyond[0][2]
