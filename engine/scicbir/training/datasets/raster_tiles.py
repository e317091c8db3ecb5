"""Large rasters cut into a grid of tiles: train on a user's own scenes, labelled or not.

Every GeoTIFF under the folder (recursively) is cut into non-overlapping ``tile`` x ``tile``
windows (partial windows at the right/bottom edges are skipped). Labels come from the file name
(``label_from: file``), the parent folder (``folder``) or nowhere (``none``: enough for the
compression stages, an archive without labels still trains the codec).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.training.datasets.base import SampleList, SampleRef, require_dir
from scicbir.training.datasets.class_folder import EUROSAT_13, bands_for_count

LABEL_FROM = ("file", "folder", "none")


class RasterTilesAdapter:
    """Lists the tile windows of every raster in a folder and reads them."""

    def __init__(
        self,
        path: str | Path,
        tile: int = 64,
        label_from: str = "file",
        band_names: list[str] | None = None,
    ) -> None:
        self.root = require_dir(path, "raster")
        if label_from not in LABEL_FROM:
            raise InputError(f"label_from must be one of {LABEL_FROM}, not '{label_from}'")
        if tile < 16:
            raise InputError(f"tile {tile} is too small; use at least 16 pixels")
        self.tile, self.label_from = tile, label_from
        self.band_names = tuple(band_names) if band_names else None
        self._file_bands: tuple[str, ...] | None = None

    def list(self) -> SampleList:
        import rasterio

        files = sorted(
            p for p in self.root.rglob("*") if p.suffix.lower() in (".tif", ".tiff") and p.is_file()
        )
        samples: list[SampleRef] = []
        count = None
        for f in files:
            with rasterio.open(f) as ds:
                if count is None:
                    count = ds.count
                elif ds.count != count:
                    raise InputError(
                        f"'{f}' has {ds.count} bands but '{files[0]}' has {count}; keep rasters "
                        "of one band layout in the folder"
                    )
                rows, cols = ds.height // self.tile, ds.width // self.tile
            rel = f.relative_to(self.root).as_posix()
            label = {"file": (f.stem,), "folder": (f.parent.name,), "none": ()}[self.label_from]
            for r in range(rows):
                for c in range(cols):
                    samples.append(SampleRef(f"{rel}@{r}_{c}", (str(f),), label))
        if not samples or count is None:
            raise InputError(
                f"no raster of at least {self.tile}x{self.tile} pixels found under '{self.root}'"
            )
        if self.band_names:
            if len(self.band_names) != count:
                raise InputError(
                    f"'band_names' lists {len(self.band_names)} bands, the rasters have {count}"
                )
            self._file_bands = self.band_names
        else:
            try:
                self._file_bands = bands_for_count(count, str(files[0]))
            except InputError:
                self._file_bands = tuple(f"band{i + 1}" for i in range(count))
        bands = self._file_bands
        if bands == EUROSAT_13:
            from scicbir.training.datasets.base import S2_BANDS_12

            bands = S2_BANDS_12
        self._out_bands = bands
        names = sorted({n for s in samples for n in s.labels})
        return SampleList(samples, bands, tuple(names))

    def read(self, sample: SampleRef) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        from scicbir.training.datasets.base import reorder_bands

        if self._file_bands is None:
            self.list()
        r, c = (int(v) for v in sample.key.rsplit("@", 1)[1].split("_"))
        t = self.tile
        with rasterio.open(sample.paths[0]) as ds:
            x = ds.read(window=Window(c * t, r * t, t, t)).astype(np.float32)
        return reorder_bands(x, self._file_bands, self._out_bands, sample.paths[0])
