"""The SCI-CBIR dock panel: Search, Archive and Train tabs, plus the settings button.

The panel warns at once when the engine cannot work: an interpreter that does not exist, and
(checked in the background when the panel opens or the settings change) one that exists but has
no scicbir package, as the default ``python3`` of a plugin installed from a ZIP usually is.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import EngineSession, first_run_message, session
from ..core.i18n import tr
from ..core.settings import PROBE_NO_PACKAGE, PluginSettings, engine_probe_arguments
from ..paths import resources_dir
from .archive_panel import ArchivePanel
from .search_panel import SearchPanel
from .settings_widget import SettingsDialog


class TrainPanel(QWidget):
    """Train tab: what retraining does, the current default model, and the dialog button."""

    modelReady = pyqtSignal(str)  # noqa: N815 (Qt signal name)

    def __init__(self, iface, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.engine = engine
        self.dialog = None
        layout = QVBoxLayout(self)
        text = QLabel(
            tr(
                "Retrain the network on your own labelled tiles (BigEarthNet, EuroSAT, AID, "
                "MLRSNet layouts or GeoTIFFs with a labels CSV). Training runs in the engine, "
                "uses a GPU when one is available, can be cancelled and resumed, and writes a "
                "new model package that you can then use for new archives."
            ),
            self,
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.model_label = QLabel(self)
        self.model_label.setWordWrap(True)
        layout.addWidget(self.model_label)
        self.open_button = QPushButton(tr("Open the training dialog..."), self)
        self.open_button.setObjectName("openTrainDialog")
        self.open_button.clicked.connect(self.open_dialog)
        layout.addWidget(self.open_button)
        layout.addStretch(1)
        self.refresh()

    def refresh(self, trained: str = "") -> None:
        """Say where trained models go, and which one was picked last for compressing."""
        folder = PluginSettings.load().models_folder
        text = tr("Trained models are saved in {folder} and listed in the Archive tab.").format(
            folder=folder
        )
        if trained:
            text += " " + tr(
                "Last trained model: {model} (chosen in the Archive tab for the next compression)."
            ).format(model=Path(trained).name)
        self.model_label.setText(text)

    def open_dialog(self):
        from .train_dialog import TrainDialog

        if self.dialog is None:
            self.dialog = TrainDialog(self.iface, self.window(), self.engine)
            self.dialog.modelReady.connect(self.refresh)
            self.dialog.modelReady.connect(self.modelReady)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


class SciCbirDock(QDockWidget):
    engineProbed = pyqtSignal(str, int)  # noqa: N815 (Qt signal name): python, exit code

    def __init__(self, iface, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(tr("SCI-CBIR"), parent)
        self.iface = iface
        self.engine = engine or session()
        self.setObjectName("SciCbirDock")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        top = QHBoxLayout()
        title = QLabel(tr("Find similar tiles in a compressed image archive"), body)
        title.setWordWrap(True)
        self.settings_button = QPushButton(tr("Settings..."), body)
        self.settings_button.setObjectName("settingsButton")
        self.settings_button.clicked.connect(self.open_settings)
        self.help_button = QPushButton(tr("Help"), body)
        self.help_button.setObjectName("helpButton")
        self.help_button.clicked.connect(self.open_help)
        top.addWidget(title, 1)
        top.addWidget(self.help_button)
        top.addWidget(self.settings_button)
        layout.addLayout(top)
        self.engine_warning = QLabel(body)
        self.engine_warning.setObjectName("engineWarning")
        self.engine_warning.setWordWrap(True)
        self.engine_warning.setStyleSheet("QLabel { color: #a50f15; }")
        layout.addWidget(self.engine_warning)
        self.tabs = QTabWidget(body)
        self.tabs.setObjectName("scicbirTabs")
        self.search_panel = SearchPanel(iface, self.tabs, self.engine)
        self.archive_panel = ArchivePanel(iface, self.tabs, self.engine)
        self.train_panel = TrainPanel(iface, self.tabs, self.engine)
        self.train_panel.modelReady.connect(self.archive_panel.use_model)
        self.tabs.addTab(self.search_panel, tr("Search"))
        self.tabs.addTab(self.archive_panel, tr("Archive"))
        self.tabs.addTab(self.train_panel, tr("Train"))
        layout.addWidget(self.tabs)
        self.setWidget(body)
        self.engineProbed.connect(self._probed)
        self.refresh_engine_warning()

    #: Seconds the package check may take before it is given up (no warning then).
    PROBE_TIMEOUT_S = 20

    def refresh_engine_warning(self) -> None:
        """Say at once when the configured engine Python does not exist (first run), and check
        in the background that it has the scicbir package."""
        settings = PluginSettings.load()
        problem = settings.engine_python_problem()
        if problem:
            self.engine_warning.setText(first_run_message(settings.engine_python, problem))
        self.engine_warning.setVisible(bool(problem))
        if not problem and not settings.engine_is_command:  # a command is tested by Check engine
            self._probe_engine(settings.engine_python)

    def _probe_engine(self, python: str) -> None:
        """Run the engine Python with a package check in a thread; ``_probed`` warns when it
        has no scicbir (delivered on the main thread through ``engineProbed``)."""

        def work() -> None:
            try:
                code = subprocess.run(
                    [python, *engine_probe_arguments()],
                    capture_output=True,
                    timeout=self.PROBE_TIMEOUT_S,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                return  # a slow interpreter is not a missing engine: no warning
            except OSError:
                code = -1
            try:
                self.engineProbed.emit(python, code)
            except RuntimeError:  # the panel was closed meanwhile
                pass

        threading.Thread(target=work, name="scicbir-probe", daemon=True).start()

    def _probed(self, python: str, code: int) -> None:
        if code == 0 or python != PluginSettings.load().engine_python:
            return  # fine, or a check of an interpreter no longer chosen
        reason = (
            tr("the Python '{python}' has no scicbir package").format(python=python)
            if code == PROBE_NO_PACKAGE
            else tr("the Python '{python}' did not run (exit code {code})").format(
                python=python, code=code
            )
        )
        self.engine_warning.setText(first_run_message(python, reason))
        self.engine_warning.setVisible(True)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self)
        dialog.accepted.connect(lambda: self.train_panel.refresh())
        dialog.accepted.connect(self.refresh_engine_warning)
        dialog.open()
        return dialog

    def open_help(self) -> QDialog:
        """The help page (resources/help/index.html) in a small browser window."""
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("SCI-CBIR help"))
        dialog.resize(620, 640)
        layout = QVBoxLayout(dialog)
        browser = QTextBrowser(dialog)
        browser.setObjectName("helpBrowser")
        page = resources_dir() / "help" / "index.html"
        if page.is_file():
            browser.setHtml(page.read_text(encoding="utf-8"))
        layout.addWidget(browser)
        dialog.show()
        return dialog

    def shutdown(self) -> None:
        """Stop background work before the plugin unloads."""
        self.search_panel.shutdown()
        self.archive_panel.shutdown()
