"""Whole block rows of JPEG 2000 bands, decoded once and kept while tiles are read across them.

GDAL's JPEG 2000 driver decodes the code-blocks under every window it is asked for and keeps
nothing, so reading a scene tile by tile decodes each part of it again for every tile that
touches it: on a Level-2A product of 2200 x 2200 px (1024 px JPEG 2000 tiles, lossless), a
12-band 64 px tile took 1384 ms to read window by window and 33 ms through these strips,
under the 256 MB block cache compress sets (same machine, same run, loaded). A 5490 x 5490
px product now compresses in 5.4 min (``benchmarks/bench_s2_scene.py --size 5490``); before,
the run had not finished after 47 min.
Tiles are read row of tiles by row of tiles, so ``BandStrips`` decodes the band's rows
of the current block row (plus a margin) in one read, full width, and answers the windows
from memory: a plain window is a slice, a resampled one (20 m and 60 m bands onto the 10 m
grid) is read by GDAL from an in-memory copy of the strip with the same window, size and
resampling, so the pixels are those of a read from the file (the margin covers the
resampling kernel; at the band's edges the strip ends where the band does). Memory: one strip
per band, its width times a block row (about 23 MB for a 10 m band of a 10980 px granule),
whatever the scene's height.
"""

from __future__ import annotations

import math

import numpy as np

#: rows decoded beyond the requested ones on each side: covers the resampling kernels
MARGIN = 8
#: windows of one block row read straight from the file before its strip is decoded: a query
#: of a few tiles reads only what it needs, a compress sweeping the rows decodes each once
DIRECT_READS = 4


class BandStrips:
    """Windowed reads of one band of a JPEG 2000 dataset through a strip cache."""

    def __init__(self, dataset, index: int) -> None:
        self.dataset = dataset
        self.index = index
        self.block_height = int(dataset.block_shapes[index - 1][0])
        self.top = self.bottom = 0
        self.rows: np.ndarray | None = None
        self._memory = None  # (MemoryFile, dataset) of the strip, for resampled reads
        self._block_row = -1
        self._direct = 0  # windows of ``_block_row`` read straight from the file

    def _load(self, first: float, last: float) -> None:
        height = self.dataset.height
        start = int(math.floor(first / self.block_height)) * self.block_height
        top = max(0, min(start, int(math.floor(first))) - MARGIN)
        bottom = min(height, max(start + self.block_height, int(math.ceil(last))) + MARGIN)
        from rasterio.windows import Window

        self.close()
        window = Window(0, top, self.dataset.width, bottom - top)
        self.rows = self.dataset.read(self.index, window=window)
        self.top, self.bottom = top, bottom

    def _covers(self, first: float, last: float) -> bool:
        height = self.dataset.height
        low = max(0.0, first - MARGIN / 2)
        high = min(float(height), last + MARGIN / 2)
        return self.rows is not None and self.top <= low and high <= self.bottom

    def read(self, window, out_shape: tuple[int, int] | None = None, resampling=None):
        """The band's pixels in ``window`` (file pixel coordinates, may be fractional), at
        ``out_shape`` with ``resampling`` when given: as ``dataset.read`` would return them."""
        first, last = window.row_off, window.row_off + window.height
        if not self._covers(first, last):
            block_row = int(math.floor(first / self.block_height))
            if block_row != self._block_row:
                self._block_row, self._direct = block_row, 0
            if self._direct < DIRECT_READS:
                self._direct += 1
                return (
                    self.dataset.read(
                        self.index, window=window, out_shape=out_shape, resampling=resampling
                    )
                    if out_shape is not None
                    else self.dataset.read(self.index, window=window)
                )
            self._load(first, last)
        if out_shape is None:
            r0, c0 = int(window.row_off) - self.top, int(window.col_off)
            return self.rows[r0 : r0 + int(window.height), c0 : c0 + int(window.width)].copy()
        from rasterio.windows import Window

        local = Window(window.col_off, window.row_off - self.top, window.width, window.height)
        return self._strip_dataset().read(
            1, window=local, out_shape=out_shape, resampling=resampling
        )

    def _strip_dataset(self):
        if self._memory is None:
            from rasterio.io import MemoryFile
            from rasterio.transform import Affine

            rows = self.rows
            memory = MemoryFile()
            profile = {
                "driver": "GTiff",
                "width": rows.shape[1],
                "height": rows.shape[0],
                "count": 1,
                "dtype": rows.dtype,
                "transform": self.dataset.transform * Affine.translation(0, self.top),
            }
            if self.dataset.crs is not None:
                profile["crs"] = self.dataset.crs
            with memory.open(**profile) as dst:
                dst.write(rows, 1)
            self._memory = (memory, memory.open())
        return self._memory[1]

    def close(self) -> None:
        if self._memory is not None:
            self._memory[1].close()
            self._memory[0].close()
            self._memory = None
        self.rows = None
