"""The model's tile grid over a raster.

Tiles are ``tile_size`` squares laid from the raster's top-left pixel. The last column/row of
tiles may stick out of the raster: they are read with their *valid* size and padded to the full
tile for the codec, and the valid size is recorded so decoding crops the padding away again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class TileWindow:
    """One tile: its top-left pixel (col, row) and the part of it inside the raster."""

    col: int
    row: int
    size: int
    valid_width: int
    valid_height: int

    @property
    def padded(self) -> bool:
        return self.valid_width < self.size or self.valid_height < self.size


class TileGrid:
    """Tiles of ``tile_size`` covering a ``width`` x ``height`` raster, row by row."""

    def __init__(self, width: int, height: int, tile_size: int) -> None:
        if tile_size <= 0:
            raise ValueError("tile_size must be positive")
        self.width = int(width)
        self.height = int(height)
        self.tile_size = int(tile_size)
        self.cols = -(-self.width // self.tile_size)
        self.rows = -(-self.height // self.tile_size)

    def __len__(self) -> int:
        return self.cols * self.rows

    def __iter__(self) -> Iterator[TileWindow]:
        size = self.tile_size
        for r in range(self.rows):
            for c in range(self.cols):
                col, row = c * size, r * size
                yield TileWindow(
                    col, row, size, min(size, self.width - col), min(size, self.height - row)
                )
