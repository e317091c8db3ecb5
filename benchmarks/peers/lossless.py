"""Lossless GeoTIFF (DEFLATE and ZSTD with horizontal predictor): the size a user gets for free.

These are not rate-distortion points (distortion is zero); they give the bits per pixel that any
lossy codec has to beat by a wide margin to be worth its error.
"""

from __future__ import annotations

import warnings

import numpy as np

COMPRESSIONS: tuple[str, ...] = ("DEFLATE", "ZSTD")


def geotiff_nbytes(tile: np.ndarray, compress: str) -> int:
    """Size in bytes of ``tile`` (bands, h, w) written as a losslessly compressed GeoTIFF."""
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    if compress not in COMPRESSIONS:
        raise ValueError(f"unknown compression {compress!r}; use one of {COMPRESSIONS}")
    bands, h, w = tile.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as memfile:
            with memfile.open(
                driver="GTiff",
                width=w,
                height=h,
                count=bands,
                dtype=tile.dtype.name,
                compress=compress,
                predictor=2,
                interleave="pixel",
            ) as dst:
                dst.write(tile)
            return len(memfile.read())


def geotiff_bpp(tile: np.ndarray, compress: str) -> float:
    """Bits per spatial pixel of the lossless GeoTIFF (header included)."""
    _, h, w = tile.shape
    return geotiff_nbytes(tile, compress) * 8.0 / (h * w)
