"""The archive folder: GeoPackage catalog, bitstream packs, faiss index, model identity, jobs.

``Archive`` (in ``store``) is the read/write object; ``compress_folder`` (``compress``) is the
batch job; ``decode_tile_to_file`` / ``decode_source`` (``decode``) write GeoTIFFs back;
``archive_info`` (``info``) summarises an archive. The on-disk format is documented in
``docs/archive-format.md``.
"""

from scicbir.archive.catalog import TileRecord
from scicbir.archive.identity import ModelIdentity
from scicbir.archive.store import Archive

__all__ = ["Archive", "ModelIdentity", "TileRecord"]
