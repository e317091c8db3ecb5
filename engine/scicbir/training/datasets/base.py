"""What every dataset adapter yields: named samples with their files and label names.

An adapter only *lists* samples and *reads* one sample into physical values; splitting, caching,
normalisation and batching are shared (``splits.py``, ``cache.py``), so a new archive layout
costs one small module.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from scicbir.errors import InputError
from scicbir.rasters.bands import BAND_PRESETS

# Sentinel-2 band names in BigEarthNet-S2 v1 order (B10, the cirrus band, is not in the archive).
S2_BANDS_12: tuple[str, ...] = tuple(BAND_PRESETS["sentinel2-12"])
RGB_BANDS: tuple[str, ...] = ("red", "green", "blue")


@dataclass(frozen=True)
class SampleRef:
    """One training/evaluation sample: a stable key, the files it is read from, its labels.

    ``key`` is unique inside a dataset and stable across machines (relative names, no absolute
    paths), because the split rule hashes it. ``split`` is set only when the dataset itself
    prescribes one (split CSVs); otherwise the hash rule decides.
    """

    key: str
    paths: tuple[str, ...]
    labels: tuple[str, ...]
    split: str | None = None


@dataclass
class SampleList:
    """Samples of one source, the label vocabulary it uses, and its band names."""

    samples: list[SampleRef]
    bands: tuple[str, ...]
    label_names: tuple[str, ...]
    notes: list[str] = field(default_factory=list)


class Adapter(Protocol):
    """A dataset layout: ``list()`` the samples once, ``read()`` any one of them."""

    def list(self) -> SampleList: ...

    def read(self, sample: SampleRef) -> np.ndarray: ...


def require_dir(path: str | Path, what: str) -> Path:
    """Return ``path`` as a directory or raise an error that names it and what was expected."""
    p = Path(path).expanduser()
    if not p.is_dir():
        raise InputError(
            f"{what} folder '{p}' does not exist or is not a folder; fix 'path' in the data "
            "section of the training configuration"
        )
    return p


def read_raster(path: str | Path) -> np.ndarray:
    """Read every band of a raster file (GeoTIFF, JPEG, PNG...) as float32 (C, H, W)."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                return ds.read().astype(np.float32)
    except RasterioIOError as exc:
        raise InputError(
            f"cannot read raster '{path}': {exc}; remove the file from the dataset folder or "
            "replace it with a readable copy"
        ) from exc


def band_count(path: str | Path) -> int:
    """Number of bands of a raster file (JPEGs without georeference are fine)."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                return int(ds.count)
    except RasterioIOError as exc:
        raise InputError(f"cannot read raster '{path}': {exc}") from exc


def reorder_bands(
    array: np.ndarray, have: Sequence[str], want: Sequence[str], path: str
) -> np.ndarray:
    """Pick and order ``want`` out of an array whose bands are named ``have``."""
    missing = [b for b in want if b not in have]
    if missing:
        raise InputError(
            f"'{path}' has bands {list(have)} but the model needs {list(want)} "
            f"(missing {missing}); use a dataset with those bands or change 'bands' in the config"
        )
    index = [list(have).index(b) for b in want]
    return array[index]
