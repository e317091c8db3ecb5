"""Float32 rasters with extreme values, made from the committed Landsat sample.

Shared by the archive and service tests of extreme values: one +inf pixel (and a NaN), an
undeclared -3.4e38 fill value, a finite 1e30 block, and a raster whose tiles hold ascending
magnitudes that cover the range where compressai's rANS coder used to loop for ever.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio

from tests.archive.conftest import crop

#: One magnitude per 64 px tile, ascending, so that with any model gain some tile's latents land
#: in the range that used to hang (2**27 .. 2**31) before a larger one fails differently.
MAGNITUDES = [m * 10.0**k for k in range(8, 14) for m in (1, 3)]


def _float_crop(data_dir: Path, folder: Path, name: str, width: int, height: int):
    """(pixels float32, profile) of the top-left crop of the Landsat sample."""
    tmp = crop(
        data_dir / "landsat" / "landsat8_224078_crop.tif", folder / f"_{name}", width, height
    )
    with rasterio.open(tmp) as ds:
        pixels, profile = ds.read().astype("float32"), ds.profile
    tmp.unlink()
    profile.update(dtype="float32")
    return pixels, profile


def _write(folder: Path, name: str, pixels: np.ndarray, profile: dict) -> Path:
    with rasterio.open(folder / name, "w", **profile) as out:
        out.write(pixels)
    return folder / name


def write_extreme_rasters(data_dir: Path, folder: Path) -> dict[str, Path]:
    """Four float32 rasters without a declared nodata value, each with one kind of extreme."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    pixels, profile = _float_crop(data_dir, folder, "inf", 128, 128)
    pixels[0, 10, 10] = np.inf  # one +inf pixel
    pixels[2, 70, 100] = np.nan  # and one NaN in another band
    paths["inf"] = _write(folder, "a_inf.tif", pixels, profile)

    pixels, profile = _float_crop(data_dir, folder, "fill", 128, 128)
    pixels[:, 0:20, 0:30] = -3.4028235e38  # undeclared fill value, a corner of the scene
    paths["fill"] = _write(folder, "b_fill.tif", pixels, profile)

    pixels, profile = _float_crop(data_dir, folder, "huge", 128, 128)
    pixels[1, 40:43, 80:83] = 1e30  # a finite 1e30 block in one band
    paths["huge"] = _write(folder, "c_huge.tif", pixels, profile)

    pixels, profile = _float_crop(data_dir, folder, "magnitudes", 256, 192)
    for n, value in enumerate(MAGNITUDES):
        r, c = divmod(n, 4)
        pixels[1, 64 * r + 20 : 64 * r + 22, 64 * c + 30 : 64 * c + 32] = value
    paths["magnitudes"] = _write(folder, "d_magnitudes.tif", pixels, profile)
    return paths
