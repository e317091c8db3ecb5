"""The SCI-CBIR dock panel: Search, Archive and Train tabs."""

from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QDockWidget, QLabel, QTabWidget, QVBoxLayout, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("SciCbirDock", text)


class SciCbirDock(QDockWidget):
    def __init__(self, iface, parent=None) -> None:
        super().__init__(tr("SCI-CBIR"), parent)
        self.iface = iface
        self.setObjectName("SciCbirDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.tabs = QTabWidget(body)
        self.tabs.setObjectName("scicbirTabs")
        for name in (tr("Search"), tr("Archive"), tr("Train")):
            page = QWidget()
            QVBoxLayout(page).addWidget(QLabel(name))
            self.tabs.addTab(page, name)
        layout.addWidget(self.tabs)
        self.setWidget(body)

    def shutdown(self) -> None:
        """Stop background work before the plugin unloads."""
