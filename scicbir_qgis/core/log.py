"""One place that writes to the "SCI-CBIR" tab of QGIS's log panel.

Details (engine stderr, error data) go here; the message bar only gets one readable line, so that
an analyst is not faced with a traceback but a developer still finds everything.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsLogger, QgsMessageLog

TAG = "SCI-CBIR"


def info(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Info)


def warning(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Warning)


def critical(message: str) -> None:
    QgsMessageLog.logMessage(message, TAG, Qgis.Critical)


def debug(message: str) -> None:
    """Developer detail that must not show in the log tab (QGIS prints it with QGIS_DEBUG)."""
    QgsLogger.debug(f"{TAG}: {message}", 2)
