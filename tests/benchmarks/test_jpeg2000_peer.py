"""The JPEG 2000 and lossless GeoTIFF peers on a real EuroSAT tile from tests/data."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from benchmarks.peers import jpeg2000, lossless


@pytest.fixture(scope="module")
def eurosat_tile(data_dir) -> np.ndarray:
    with rasterio.open(data_dir / "eurosat" / "River_1237.tif") as src:
        return src.read()


def psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak**2 / mse)


def test_round_trip_keeps_shape_dtype_and_counts_file_bits(eurosat_tile, tmp_path):
    result = jpeg2000.round_trip(eurosat_tile, quality=3.0)
    assert result.decoded.shape == eurosat_tile.shape
    assert result.decoded.dtype == np.uint16
    stream = jpeg2000.encode(eurosat_tile, quality=3.0)
    path = tmp_path / "tile.j2k"
    path.write_bytes(stream)
    assert len(stream) == result.nbytes
    _, h, w = eurosat_tile.shape
    assert result.bpp() == pytest.approx(path.stat().st_size * 8 / (h * w))
    # the file is a codestream GDAL reads back on its own
    with rasterio.open(path) as src:
        assert np.array_equal(src.read(), result.decoded)


def test_more_bits_give_higher_psnr_and_reversible_is_exact(eurosat_tile):
    peak = float(eurosat_tile.max())
    points = [jpeg2000.round_trip(eurosat_tile, q) for q in (1.0, 4.0, 16.0)]
    bpps = [p.bpp() for p in points]
    quality = [psnr(eurosat_tile, p.decoded, peak) for p in points]
    assert bpps == sorted(bpps) and quality == sorted(quality)
    assert quality[0] > 20.0  # a real reconstruction, not noise
    exact = jpeg2000.round_trip(eurosat_tile, 100.0, reversible=True)
    assert np.array_equal(exact.decoded, eurosat_tile)


def test_lossless_geotiff_is_smaller_than_raw_and_rejects_unknown_codecs(eurosat_tile):
    raw_bpp = eurosat_tile.shape[0] * 16
    for name in lossless.COMPRESSIONS:
        assert 0 < lossless.geotiff_bpp(eurosat_tile, name) < raw_bpp
    with pytest.raises(ValueError, match="unknown compression"):
        lossless.geotiff_bpp(eurosat_tile, "JPEG")


def test_float_tiles_are_refused_with_the_fix(eurosat_tile):
    with pytest.raises(ValueError, match="uint8/uint16"):
        jpeg2000.encode(eurosat_tile.astype(np.float32), 3.0)
    assert jpeg2000.resolutions_for(64, 64) == 4
    assert jpeg2000.resolutions_for(150, 150) == 5
