"""Cutting a source into codec-ready tiles, one window read at a time.

A pixel is *nodata* when every selected band equals the raster's nodata value (or is NaN), and
also when any band is not a finite number (NaN, +-inf) or a float fill value (magnitude 1e38 or
more, e.g. -3.4028235e38, float32's lowest value, which many rasters use as an undeclared
nodata): such values carry no measurement, and fed to the network they give latents the entropy
coder cannot code. Nodata-only tiles are skipped (nothing to store, nothing to find). In the
other tiles nodata pixels are filled with the tile's per-band mean of valid pixels before
coding, so the codec spends no bits on an artificial edge, and the mask is returned so decoding
can put the exact nodata value back. Edge tiles are padded to the full tile by mirroring, for
the same reason.
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


#: Float values of this magnitude or more are fill values, not measurements (float32's extremes
#: are +-3.4028235e38; no sensor or product stores values near them).
FILL_MAGNITUDE = 1e38


def unusable_values(pixels: np.ndarray) -> np.ndarray | None:
    """True where a value of ``pixels`` is NaN, +-inf or a fill value (``FILL_MAGNITUDE``);
    None for integer rasters, which cannot hold any."""
    if not np.issubdtype(pixels.dtype, np.floating):
        return None
    with np.errstate(invalid="ignore"):
        return ~(np.abs(pixels) < FILL_MAGNITUDE)  # NaN compares False: unusable too


def nodata_mask(pixels: np.ndarray, nodata: float | None) -> np.ndarray | None:
    """True where all bands are nodata/NaN or any band is unusable (``unusable_values``);
    None when no pixel is."""
    mask = None
    unusable = unusable_values(pixels)
    if unusable is not None:
        mask = unusable.any(axis=0)
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
            # float64: a float32 sum of large valid values could overflow to inf
            band[mask] = float(band[valid].mean(dtype=np.float64))
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
