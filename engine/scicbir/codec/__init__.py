"""Tiles <-> real rANS bitstreams and hash codes, normalisation, quality metrics, ONNX path.

``Normalisation`` and ``metrics`` are light; ``TileCodec`` (torch, compressai) is imported on
first use.
"""

from __future__ import annotations

from typing import Any

from scicbir.codec import metrics
from scicbir.codec.normalisation import Normalisation

__all__ = ["EncodedTile", "HashResult", "Normalisation", "TileCodec", "metrics"]


def __getattr__(name: str) -> Any:
    if name in ("TileCodec", "EncodedTile", "HashResult"):
        from scicbir.codec import codec

        return getattr(codec, name)
    raise AttributeError(name)
