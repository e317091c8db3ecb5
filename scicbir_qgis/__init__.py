"""SCI-CBIR QGIS plugin: content-based retrieval over a compressed raster archive.

QGIS calls ``classFactory`` with its interface object. The plugin only imports ``qgis``,
``qgis.PyQt`` and its own pure-Python engine client; all deep-learning work happens in the
separate engine process (see README, "Plugin and engine").
"""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from .plugin import SciCbirPlugin

    return SciCbirPlugin(iface)
