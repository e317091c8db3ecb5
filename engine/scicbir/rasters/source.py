"""One raster as the codec sees it: a pixel grid, a georeference, named bands, windowed reads.

A source is either one file (GeoTIFF, JPEG 2000, PNG, JPEG, anything GDAL reads) or a folder
of one-band files on different grids (a BigEarthNet-S2 patch: ``<patch>_B01.tif`` ...
``<patch>_B8A.tif``, 10 m bands 120x120, 20 m bands 60x60, 60 m bands 20x20). For the latter
the finest band defines the pixel grid and coarser bands are cubic-upsampled onto it during the
windowed read, the pre-processing the method prescribes; GDAL does the resampling from the
exact fractional window, so a tile read equals the same part of the whole upsampled band.
JPEG 2000 bands are read through a strip cache (``band_strips``): the same pixels, each part
of the file decoded once instead of once per tile.

Images without a georeference (scene datasets as JPEG/PNG) are accepted: ``georeferenced`` is
False, the transform is the identity (pixel space) and a warning is issued.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.rasters.band_strips import BandStrips


class RasterSource:
    """An open raster source; use as a context manager or call ``close()``."""

    def __init__(
        self,
        path: str | Path,
        files: Sequence[str | Path] | None = None,
        band_names: Sequence[str] | None = None,
    ) -> None:
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

        self.path = Path(path)
        self.files = [Path(f) for f in (files or [path])]
        self._datasets = []
        self._strips: dict[int, BandStrips | None] = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                for f in self.files:
                    self._datasets.append(rasterio.open(f))
        except RasterioIOError as exc:
            self.close()
            raise InputError(
                f"{self.path}: cannot be read as a raster ({exc}); check the file is complete "
                "or remove it from the folder",
                file=str(self.path),
                reason="raster_damaged",
            ) from exc
        ref = max(self._datasets, key=lambda d: d.width * d.height)
        self._ref = ref
        self.width, self.height = ref.width, ref.height
        self.crs = ref.crs
        self.transform = ref.transform
        self.dtype = np.dtype(ref.dtypes[0])
        self.nodata = ref.nodata
        for d in self._datasets:
            if np.dtype(d.dtypes[0]) != self.dtype or d.crs != self.crs:
                self.close()
                raise InputError(
                    f"{self.path}: band files differ in data type or CRS ({d.name}); "
                    "all bands of one source must share them",
                    file=str(self.path),
                    reason="band_files_differ",
                )
        # (dataset, band index in it) per source band, in order.
        self._bands = [(d, i) for d in self._datasets for i in range(1, d.count + 1)]
        if len(self.files) > 1:
            self.band_names: list[str | None] = list(band_names or [None] * len(self._bands))
        else:
            self.band_names = list(band_names or ref.descriptions)
        self.colour_interp = [ci.name for ci in ref.colorinterp] if len(self.files) == 1 else []
        self.georeferenced = self.crs is not None and not self.transform.is_identity
        if not self.georeferenced:
            warnings.warn(
                f"{self.path}: no georeference; its tiles get footprints in pixel space",
                stacklevel=2,
            )

    @property
    def count(self) -> int:
        return len(self._bands)

    @property
    def multi_file(self) -> bool:
        return len(self.files) > 1

    @property
    def crs_wkt(self) -> str | None:
        return self.crs.to_wkt() if self.crs else None

    @property
    def epsg(self) -> int | None:
        if not self.crs:
            return None
        try:
            return self.crs.to_epsg()
        except Exception:  # PROJ cannot identify it: keep the WKT only
            return None

    def read(self, col: int, row: int, width: int, height: int, bands: Sequence[int]) -> np.ndarray:
        """Pixels of a window (inside the raster) for 1-based ``bands``: ``(len(bands), h, w)``."""
        from rasterio.enums import Resampling
        from rasterio.errors import RasterioError
        from rasterio.windows import Window

        out = np.empty((len(bands), height, width), dtype=self.dtype)
        try:
            self._read_into(out, col, row, width, height, bands, Window, Resampling)
        except RasterioError as exc:
            raise self._damaged(exc, f" at column {col}, row {row}") from exc
        return out

    def _damaged(self, exc: Exception, where: str = "") -> InputError:
        """The error for pixels GDAL cannot read: the file named, said to be damaged.

        rasterio's own message is often only "Read failed. See previous exception for
        details."; the GDAL error it chains (e.g. "TIFFReadEncodedTile() failed") says why."""
        detail = str(exc.__cause__ or exc)
        return InputError(
            f"{self.path}: reading pixels failed{where} ({detail}); the file is damaged or "
            "truncated (an incomplete download or copy?): replace it or remove it from the folder",
            file=str(self.path),
            reason="raster_damaged",
        )

    def _read_into(self, out, col, row, width, height, bands, Window, Resampling) -> None:
        for k, b in enumerate(bands):
            dataset, index = self._bands[b - 1]
            strips = self._strips_of(b)
            if dataset.width == self.width and dataset.height == self.height:
                window = Window(col, row, width, height)
                out[k] = strips.read(window) if strips else dataset.read(index, window=window)
            else:
                sx, sy = dataset.width / self.width, dataset.height / self.height
                window = Window(col * sx, row * sy, width * sx, height * sy)
                if strips is not None:
                    out[k] = strips.read(window, (height, width), Resampling.cubic)
                else:
                    out[k] = dataset.read(
                        index, window=window, out_shape=(height, width), resampling=Resampling.cubic
                    )

    def _strips_of(self, band: int) -> BandStrips | None:
        """The strip cache of a JPEG 2000 band (``band_strips``), None for other formats."""
        if band not in self._strips:
            dataset, index = self._bands[band - 1]
            jp2 = dataset.driver == "JP2OpenJPEG"
            self._strips[band] = BandStrips(dataset, index) if jp2 else None
        return self._strips[band]

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the source CRS (pixel space when not georeferenced)."""
        from rasterio.transform import array_bounds

        west, south, east, north = array_bounds(self.height, self.width, self.transform)
        return west, south, east, north

    def overview(self, bands: Sequence[int], max_size: int = 1024) -> np.ndarray:
        """A decimated read of the whole raster (at most ``max_size`` pixels a side)."""
        from rasterio.enums import Resampling
        from rasterio.errors import RasterioError

        scale = min(1.0, max_size / max(self.width, self.height))
        h, w = max(1, round(self.height * scale)), max(1, round(self.width * scale))
        out = np.empty((len(bands), h, w), dtype=self.dtype)
        try:
            for k, b in enumerate(bands):
                dataset, index = self._bands[b - 1]
                if dataset.driver == "JP2OpenJPEG" and dataset.overviews(index):
                    out[k] = _jp2_overview(dataset, index, h, w)
                else:
                    out[k] = dataset.read(index, out_shape=(h, w), resampling=Resampling.nearest)
        except RasterioError as exc:
            raise self._damaged(exc) from exc
        return out

    def stat(self) -> tuple[int, float]:
        """Total size in bytes and latest modification time of the source's files."""
        sizes = [f.stat() for f in self.files]
        return sum(s.st_size for s in sizes), max(s.st_mtime for s in sizes)

    def checksum(self) -> str:
        """sha256 over the source's files in band order (identifies its content)."""
        return file_checksum(self.files)

    def band_raw_bytes(self, bands: Sequence[int]) -> int:
        """Uncompressed size of ``bands`` on their own grids: the base of compression ratios."""
        total = 0
        for b in bands:
            dataset, _ = self._bands[b - 1]
            total += dataset.width * dataset.height * self.dtype.itemsize
        return total

    def close(self) -> None:
        for strips in self._strips.values():
            if strips is not None:
                strips.close()
        self._strips = {}
        for d in self._datasets:
            d.close()
        self._datasets = []

    def __enter__(self) -> RasterSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _jp2_overview(dataset, index: int, height: int, width: int) -> np.ndarray:
    """A nearest-neighbour decimation of a JPEG 2000 band to ``height`` x ``width``, from the
    smallest of its wavelet resolution levels that is at least that size, read whole.

    GDAL's decimated read of a large JPEG 2000 band under the bounded block cache compress
    sets decodes parts of the file again and again (83 s for one 5490 px band, measured); a
    whole resolution level reads in well under a second."""
    import rasterio

    levels = [None] + list(range(len(dataset.overviews(index))))
    level = None
    for candidate, factor in zip(levels, [1, *dataset.overviews(index)], strict=True):
        if dataset.height // factor >= height and dataset.width // factor >= width:
            level = candidate
    if level is None:
        data = dataset.read(index)
    else:
        with rasterio.open(dataset.name, overview_level=level) as view:
            data = view.read(index)
    rows = ((np.arange(height) + 0.5) * data.shape[0] / height).astype(int)
    cols = ((np.arange(width) + 0.5) * data.shape[1] / width).astype(int)
    return data[np.ix_(rows, cols)]


def file_checksum(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        with open(f, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()
