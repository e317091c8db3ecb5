"""Lossy JPEG 2000 (OpenJPEG through rasterio/GDAL's JP2OpenJPEG driver) as the codec peer.

Each tile is written as a raw J2K codestream (``CODEC=J2K``, no JP2 boxes or GeoJP2/GMLJP2
metadata), so the bytes counted are the codestream a user would store per tile. The rate is set
by GDAL's ``QUALITY`` option (target size as a percentage of the uncompressed size) with the
irreversible 9/7 wavelet (``REVERSIBLE=NO``). GDAL's default number of wavelet resolutions keeps
the smallest level near 64-128 pixels, which leaves a 64x64 tile with no decomposition at all
(several dB worse at equal rate); ``RESOLUTIONS`` is therefore set so the coarsest level is
about 8 pixels, which is what a careful user would choose for small tiles.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

#: Quality percentages swept by default: from about 0.1 bpp per band to near-lossless.
DEFAULT_QUALITIES: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)


@dataclass(frozen=True)
class Jpeg2000Result:
    """One tile through JPEG 2000: codestream size, reconstruction and timings."""

    nbytes: int
    decoded: np.ndarray
    encode_s: float
    decode_s: float

    def bpp(self) -> float:
        """Bits of the codestream per spatial pixel (all bands together)."""
        _, h, w = self.decoded.shape
        return self.nbytes * 8.0 / (h * w)


def resolutions_for(height: int, width: int, coarsest: int = 8) -> int:
    """Number of resolution levels so the coarsest level is about ``coarsest`` pixels wide."""
    side = min(height, width)
    if side <= coarsest:
        return 1
    return int(math.floor(math.log2(side / coarsest))) + 1


def _check_tile(tile: np.ndarray) -> None:
    if tile.ndim != 3 or tile.shape[1] < 1 or tile.shape[2] < 1:
        raise ValueError(f"expected a (bands, height, width) tile, got shape {tile.shape}")
    if tile.dtype not in (np.uint8, np.uint16, np.int16):
        raise ValueError(
            f"JPEG 2000 stores integer samples; got {tile.dtype}: pass the source's uint8/uint16"
        )


def encode(
    tile: np.ndarray, quality: float, reversible: bool = False, resolutions: int | None = None
) -> bytes:
    """Encode a (bands, h, w) integer tile to a J2K codestream and return its bytes."""
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    _check_tile(tile)
    bands, h, w = tile.shape
    options = {
        "QUALITY": "100" if reversible else f"{quality:g}",
        "REVERSIBLE": "YES" if reversible else "NO",
        "CODEC": "J2K",
        "RESOLUTIONS": str(resolutions or resolutions_for(h, w)),
        # the colour transform only exists for 3 bands; it pays off on RGB
        "YCC": "YES" if bands == 3 else "NO",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as memfile:
            with memfile.open(
                driver="JP2OpenJPEG",
                width=w,
                height=h,
                count=bands,
                dtype=tile.dtype.name,
                **options,
            ) as dst:
                dst.write(tile)
            return memfile.read()


def decode(stream: bytes) -> np.ndarray:
    """Decode a J2K codestream to a (bands, h, w) array of its stored dtype."""
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(stream) as memfile, memfile.open() as src:
            return src.read()


def round_trip(tile: np.ndarray, quality: float, reversible: bool = False) -> Jpeg2000Result:
    """Encode then decode ``tile`` once, timing each half."""
    start = time.perf_counter()
    stream = encode(tile, quality, reversible=reversible)
    middle = time.perf_counter()
    decoded = decode(stream)
    end = time.perf_counter()
    return Jpeg2000Result(len(stream), decoded, middle - start, end - middle)
