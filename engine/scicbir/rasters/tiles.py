"""Cutting a source into codec-ready tiles, one window read at a time.

A pixel is *nodata* when every selected band equals the raster's nodata value (or is NaN).
Nodata-only tiles are skipped (nothing to store, nothing to find). In the other tiles nodata
pixels are filled with the tile's per-band mean of valid pixels before coding, so the codec
spends no bits on an artificial edge, and the mask is returned so decoding can put the exact
nodata value back. Edge tiles are padded to the full tile by mirroring, for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from scicbir.rasters.grid import TileGrid, TileWindow
from scicbir.rasters.source import RasterSource


@dataclass
class Tile:
    """A padded tile in physical units: ``data`` float32 ``(C, size, size)``."""

    window: TileWindow
    data: np.ndarray
    nodata_mask: np.ndarray | None  # bool (valid_height, valid_width), True = nodata; None = none


def nodata_mask(pixels: np.ndarray, nodata: float | None) -> np.ndarray | None:
    """True where all bands are nodata/NaN; None when no pixel is."""
    mask = None
    if np.issubdtype(pixels.dtype, np.floating):
        mask = np.isnan(pixels).all(axis=0)
    if nodata is not None and not np.isnan(nodata):
        hit = (pixels == np.asarray(nodata).astype(pixels.dtype)).all(axis=0)
        mask = hit if mask is None else (mask | hit)
    if mask is None or not mask.any():
        return None
    return mask


def make_tile(window: TileWindow, pixels: np.ndarray, nodata: float | None) -> Tile | None:
    """Fill nodata, pad to the tile size; None for a nodata-only window."""
    mask = nodata_mask(pixels, nodata)
    data = pixels.astype(np.float32)
    if mask is not None:
        if mask.all():
            return None
        valid = ~mask
        for band in data:
            band[mask] = float(band[valid].mean())
    if np.issubdtype(pixels.dtype, np.floating):
        data = np.nan_to_num(data, nan=0.0)
    pad_h, pad_w = window.size - window.valid_height, window.size - window.valid_width
    if pad_h or pad_w:
        data = np.pad(data, ((0, 0), (0, pad_h), (0, pad_w)), mode="symmetric")
    return Tile(window, np.ascontiguousarray(data), mask)


def read_tiles(
    source: RasterSource,
    tile_size: int,
    bands: Sequence[int],
    windows: Sequence[TileWindow] | None = None,
) -> Iterator[Tile]:
    """Tiles of ``source`` on the ``tile_size`` grid (or the given windows), nodata-only skipped."""
    grid = windows if windows is not None else TileGrid(source.width, source.height, tile_size)
    for window in grid:
        pixels = source.read(window.col, window.row, window.valid_width, window.valid_height, bands)
        tile = make_tile(window, pixels, source.nodata)
        if tile is not None:
            yield tile
