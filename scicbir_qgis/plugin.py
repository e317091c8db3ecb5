"""Plugin entry object: toolbar button, menu entry, dock panel, translations."""

from __future__ import annotations

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .core.i18n import tr
from .paths import i18n_dir, icon_path

MENU = "&SCI-CBIR"


class SciCbirPlugin:
    """Created by QGIS through ``classFactory``; owns the GUI pieces it adds."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.dock = None
        self.action = None
        self.processing_provider = None
        self.options_factory = None
        self.translator = None
        self._install_translator()

    def _install_translator(self) -> None:
        locale = (QgsSettings().value("locale/userLocale", "") or "")[:2]
        qm = i18n_dir() / f"scicbir_{locale}.qm"
        if locale and qm.is_file():
            self.translator = QTranslator()
            if self.translator.load(str(qm)):
                QCoreApplication.installTranslator(self.translator)

    def initGui(self) -> None:  # noqa: N802 (QGIS API name)
        self.action = QAction(QIcon(icon_path()), tr("SCI-CBIR panel"), self.iface.mainWindow())
        self.action.setObjectName("scicbirShowPanel")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Show the SCI-CBIR panel: search, archive, train"))
        self.action.toggled.connect(self.set_panel_visible)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(MENU, self.action)
        self._init_options_page()
        self._init_processing()

    def _init_options_page(self) -> None:
        from .ui.settings_widget import SettingsPageFactory

        self.options_factory = SettingsPageFactory()
        self.iface.registerOptionsWidgetFactory(self.options_factory)

    def _init_processing(self) -> None:
        try:
            from .processing_provider.provider import SciCbirProvider
        except ImportError:
            return
        self.processing_provider = SciCbirProvider()
        QgsApplication.processingRegistry().addProvider(self.processing_provider)

    def set_panel_visible(self, visible: bool = True) -> None:
        if visible and self.dock is None:
            from .ui.dock import SciCbirDock

            self.dock = SciCbirDock(self.iface, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self._sync_action)
        if self.dock is not None:
            self.dock.setVisible(visible)

    def _sync_action(self, visible: bool) -> None:
        if self.action is not None and self.action.isChecked() != visible:
            self.action.setChecked(visible)

    def unload(self) -> None:
        if self.options_factory is not None:
            self.iface.unregisterOptionsWidgetFactory(self.options_factory)
            self.options_factory = None
        if self.processing_provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.processing_provider)
            self.processing_provider = None
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginRasterMenu(MENU, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action = None
        from .core.engine import session

        session().stop()
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
