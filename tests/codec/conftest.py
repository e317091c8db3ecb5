"""Real samples as arrays: the two BigEarthNet-S2 patches (12 bands, 120x120) and an RGB crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

S2_ORDER = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]


def read_bigearthnet_patch(folder: Path) -> np.ndarray:
    """(12, 120, 120) uint16, 20 m / 60 m bands cubic-upsampled to 120x120 (the paper's step)."""
    import rasterio
    from rasterio.enums import Resampling

    bands = []
    for band in S2_ORDER:
        (path,) = folder.glob(f"*_{band}.tif")
        with rasterio.open(path) as ds:
            bands.append(ds.read(1, out_shape=(120, 120), resampling=Resampling.cubic))
    return np.stack(bands)


@pytest.fixture(scope="session")
def s2_patches(data_dir: Path) -> np.ndarray:
    folders = sorted(p for p in (data_dir / "bigearthnet").iterdir() if p.is_dir())
    return np.stack([read_bigearthnet_patch(f) for f in folders])


@pytest.fixture(scope="session")
def rgb_image(data_dir: Path) -> np.ndarray:
    """(3, 400, 400) uint8 NEON aerial image."""
    import rasterio

    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        return ds.read()
