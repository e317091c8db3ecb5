"""The "SCI-CBIR" Processing provider: compress folder, search region, decode tiles, export
the archive as a STAC catalog."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..paths import icon_path
from .algorithms import (
    CompressFolderAlgorithm,
    DecodeTilesAlgorithm,
    ExportStacAlgorithm,
    SearchRegionAlgorithm,
)


class SciCbirProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "scicbir"

    def name(self) -> str:
        return "SCI-CBIR"

    def icon(self) -> QIcon:
        return QIcon(icon_path())

    def loadAlgorithms(self) -> None:
        for algorithm in (
            CompressFolderAlgorithm(),
            SearchRegionAlgorithm(),
            DecodeTilesAlgorithm(),
            ExportStacAlgorithm(),
        ):
            self.addAlgorithm(algorithm)
