"""Reading rasters for the codec: discovery, tile grid, windowed reads, band mapping, footprints.

Everything here uses rasterio and windowed reads, so memory stays bounded by one tile batch
whatever the size of the raster. The public names are re-exported here:

- ``RasterSource``: one raster (a file, or a folder of one-band files such as a BigEarthNet
  patch) with its georeference, dtype, nodata and band names; reads windows on one pixel grid.
- ``find_sources``: the rasters under a folder (recursive), BigEarthNet patches grouped.
- ``TileGrid``: the model's tile grid over a raster, edge tiles padded (valid size recorded).
- ``read_tiles``: padded tiles of a source, nodata-only tiles skipped, nodata masks kept.
- ``map_bands``: which raster band feeds which model band (by name, or explicit).
- ``footprints_wgs84``: tile footprints as polygons in EPSG:4326.
"""

from scicbir.rasters.bands import BandMapping, map_bands
from scicbir.rasters.discover import find_sources
from scicbir.rasters.footprint import footprints_wgs84
from scicbir.rasters.grid import TileGrid, TileWindow
from scicbir.rasters.source import RasterSource
from scicbir.rasters.tiles import Tile, read_tiles

__all__ = [
    "BandMapping",
    "RasterSource",
    "Tile",
    "TileGrid",
    "TileWindow",
    "find_sources",
    "footprints_wgs84",
    "map_bands",
    "read_tiles",
]
