"""SCI-CBIR engine.

One network compresses multispectral tiles into real bitstreams (a learned codec) and gives each
tile a binary hash code for content-based retrieval (Sumbul, Xiang, Demir, IEEE TGRS 2022).
The package is usable on its own (command line ``scicbir``, library) and is what the QGIS plugin
drives through the JSON-lines service (``scicbir serve``).
"""

__version__ = "0.1.0"
from scicbir.protocol_v1 import PROTOCOL_VERSION as PROTOCOL_VERSION  # noqa: E402  (shared)

# Reading a user's rasters must never write beside them: GDAL's PAM would drop ``*.aux.xml``
# side-car files (statistics, histograms) next to the sources.
__import__("os").environ.setdefault("GDAL_PAM_ENABLED", "NO")
