"""One place that writes to the "SCI-CBIR" tab of QGIS's log panel.

Details (engine stderr, error data) go here; the message bar only gets one readable line, so that
an analyst is not faced with a traceback but a developer still finds everything.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog

TAG = "SCI-CBIR"


def info(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Info)


def warning(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Warning)


def critical(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Critical)
