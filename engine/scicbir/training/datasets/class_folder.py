"""Class-per-folder datasets: ``<root>/<Class>/<image>`` (EuroSAT MS, AID, UC Merced...).

The folder name is the (single) label. Bands are recognised from the file: 13-band tiles are
EuroSAT MS (B01..B12 with B10 and B8A last); B10 is dropped and the rest put in BigEarthNet's
12-band order so the same model serves both archives. 12-band tiles are taken as BigEarthNet
order, 3-band images (JPEG, PNG, GeoTIFF) as RGB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.rasters.bands import BAND_PRESETS
from scicbir.training.datasets.base import (
    RGB_BANDS,
    S2_BANDS_12,
    SampleList,
    SampleRef,
    band_count,
    read_raster,
    reorder_bands,
    require_dir,
)

IMAGE_SUFFIXES = (".tif", ".tiff", ".jpg", ".jpeg", ".png")
EUROSAT_13 = tuple(BAND_PRESETS["eurosat-13"])  # B01..B12 in number order, B8A last


def bands_for_count(count: int, path: str) -> tuple[str, ...]:
    """Band names of a file by its band count (see the module docstring)."""
    if count == 13:
        return EUROSAT_13
    if count == 12:
        return S2_BANDS_12
    if count == 3:
        return RGB_BANDS
    raise InputError(
        f"'{path}' has {count} bands; class-folder datasets must hold 13-band EuroSAT MS, "
        "12-band Sentinel-2 or 3-band RGB images (use the generic GeoTIFF + labels CSV layout "
        "with explicit 'band_names' for others)"
    )


class ClassFolderAdapter:
    """Lists ``<root>/<Class>/*.{tif,jpg,png}`` and reads them in the model's band order."""

    def __init__(self, path: str | Path, bands: tuple[str, ...] | None = None) -> None:
        self.root = require_dir(path, "class-per-folder dataset")
        self.bands = bands

    def list(self) -> SampleList:
        samples = []
        classes = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        for name in classes:
            for file in sorted((self.root / name).iterdir()):
                if file.suffix.lower() in IMAGE_SUFFIXES:
                    key = f"{name}/{file.name}"
                    samples.append(SampleRef(key, (str(file),), (name,)))
        if not samples:
            raise InputError(
                f"no images found in class folders under '{self.root}' (expected "
                "<root>/<Class>/<image>.tif|.jpg|.png)"
            )
        if self.bands is None:
            have = bands_for_count(band_count(samples[0].paths[0]), samples[0].paths[0])
            self.bands = S2_BANDS_12 if have == EUROSAT_13 else have
        return SampleList(samples, self.bands, tuple(c for c in classes))

    def read(self, sample: SampleRef) -> np.ndarray:
        array = read_raster(sample.paths[0])
        have = bands_for_count(array.shape[0], sample.paths[0])
        return reorder_bands(array, have, self.bands or have, sample.paths[0])
