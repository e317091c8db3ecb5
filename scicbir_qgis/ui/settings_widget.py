"""The plugin's settings form, shown as a page of QGIS's Options and as a stand-alone dialog.

One form for both places so there is one set of defaults: the engine, a Python path or a
command line such as ``ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve`` (with "Check engine",
which starts it, does the protocol handshake and shows versions, device and, for a command, the
host it runs on), the path mapping for an engine on another machine (pairs of folders, edited in
a two-column table), default archive, the folder of
trained models (listed with the shipped ones; there is no pinned default model: the model
follows the rasters' bands unless picked for a compression), number of results and whether a new
search keeps the previous results.

A failed check shows the message (selectable, never cut to a few lines by the form) and a
"Details..." button that opens the whole text: the interpreter, the full cause, the engine's
output and where the log is.
"""

from __future__ import annotations

from qgis.gui import QgsFileWidget, QgsOptionsPageWidget, QgsOptionsWidgetFactory
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import EngineSession, session
from ..core.i18n import tr
from ..core.settings import PluginSettings, default_engine_python, default_models_folder
from ..engine_client.paths import PathMap
from ..paths import icon_path
from ..tasks.engine_task import EngineTask, submit
from .feedback import describe_engine, full_text


class SettingsForm(QWidget):
    """Edits a ``PluginSettings``; ``apply()`` stores it."""

    def __init__(self, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(parent)
        self.engine = engine or session()
        self.settings = PluginSettings.load()
        self.check_task: EngineTask | None = None
        form = QFormLayout(self)

        self.python_edit = QgsFileWidget(self)
        self.python_edit.setObjectName("enginePython")
        self.python_edit.setStorageMode(QgsFileWidget.GetFile)
        self.python_edit.setFilePath(self.settings.engine_python)
        self.python_edit.setToolTip(
            tr("Python interpreter where the scicbir engine is installed. Default: {path}").format(
                path=default_engine_python()
            )
        )
        form.addRow(tr("Engine Python or command"), self.python_edit)
        self.engine_help = QLabel(
            tr(
                "A path to a Python runs the engine on this computer. A command line is run as "
                "given (no shell) and must speak the engine protocol on its input and output, "
                "e.g. ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve for an engine on a GPU "
                "machine (key-based ssh login; see docs/remote-engine.md)."
            ),
            self,
        )
        self.engine_help.setObjectName("engineHelp")
        self.engine_help.setWordWrap(True)
        form.addRow("", self.engine_help)

        check_row = QHBoxLayout()
        self.check_button = QPushButton(tr("Check engine"), self)
        self.check_button.setObjectName("checkEngine")
        self.check_button.clicked.connect(self.check_engine)
        self.check_label = QLabel(tr("Not checked yet."), self)
        self.check_label.setObjectName("checkEngineResult")
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details_button = QPushButton(tr("Details..."), self)
        self.details_button.setObjectName("checkEngineDetails")
        self.details_button.setToolTip(
            tr("Show the whole message, the engine's output and the fix")
        )
        self.details_button.clicked.connect(self.show_details)
        self.details_button.setVisible(False)
        self.check_details = ""
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.check_label, 1)
        check_row.addWidget(self.details_button)
        form.addRow("", check_row)

        self.mapping_table = QTableWidget(0, 2, self)
        self.mapping_table.setObjectName("pathMapping")
        self.mapping_table.setHorizontalHeaderLabels(
            [tr("Folder on this computer"), tr("Same folder on the engine's computer")]
        )
        self.mapping_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.mapping_table.setMaximumHeight(120)
        self.set_path_pairs(self.settings.engine_path_map)
        mapping_buttons = QHBoxLayout()
        self.add_mapping_button = QPushButton(tr("Add folder pair"), self)
        self.add_mapping_button.setObjectName("addPathMapping")
        self.add_mapping_button.clicked.connect(lambda: self.add_path_pair("", ""))
        self.remove_mapping_button = QPushButton(tr("Remove"), self)
        self.remove_mapping_button.setObjectName("removePathMapping")
        self.remove_mapping_button.clicked.connect(self.remove_selected_pairs)
        mapping_buttons.addWidget(self.add_mapping_button)
        mapping_buttons.addWidget(self.remove_mapping_button)
        mapping_buttons.addStretch(1)
        mapping_box = QVBoxLayout()
        mapping_box.addWidget(self.mapping_table)
        mapping_box.addLayout(mapping_buttons)
        mapping_help = QLabel(
            tr(
                "Only for an engine on another computer: every path sent to it is translated "
                "from the first folder to the second (e.g. /home/me/archives to "
                "/mnt/archives), and the paths in its answers back."
            ),
            self,
        )
        mapping_help.setWordWrap(True)
        mapping_box.addWidget(mapping_help)
        form.addRow(tr("Path mapping"), mapping_box)

        self.archive_edit = QgsFileWidget(self)
        self.archive_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.archive_edit.setFilePath(self.settings.archive)
        form.addRow(tr("Default archive folder"), self.archive_edit)

        self.models_edit = QgsFileWidget(self)
        self.models_edit.setObjectName("modelsFolder")
        self.models_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.models_edit.setFilePath(self.settings.models_folder)
        self.models_edit.setToolTip(
            tr(
                "The training dialog writes new model packages here; the Archive tab lists them "
                "with the shipped models. Default: {path}"
            ).format(path=default_models_folder())
        )
        form.addRow(tr("Trained models folder"), self.models_edit)

        self.k_spin = QSpinBox(self)
        self.k_spin.setRange(1, 500)
        self.k_spin.setValue(self.settings.k)
        form.addRow(tr("Number of results (k)"), self.k_spin)

        self.keep_check = QCheckBox(tr("A new search keeps the previous results"), self)
        self.keep_check.setChecked(self.settings.keep_previous_results)
        form.addRow("", self.keep_check)

    def current(self) -> PluginSettings:
        settings = PluginSettings.load()
        settings.engine_python = self.python_edit.filePath().strip() or default_engine_python()
        settings.archive = self.archive_edit.filePath().strip()
        settings.models_folder = self.models_edit.filePath().strip() or default_models_folder()
        settings.k = self.k_spin.value()
        settings.keep_previous_results = self.keep_check.isChecked()
        settings.engine_path_map = self.path_pairs()
        return settings

    def path_pairs(self) -> list[tuple[str, str]]:
        """The mapping table's rows (local, remote), empty rows left out."""
        pairs = []
        for row in range(self.mapping_table.rowCount()):
            cells = [self.mapping_table.item(row, col) for col in (0, 1)]
            local, remote = (c.text().strip() if c is not None else "" for c in cells)
            if local or remote:
                pairs.append((local, remote))
        return pairs

    def set_path_pairs(self, pairs: list[tuple[str, str]]) -> None:
        self.mapping_table.setRowCount(0)
        for local, remote in pairs:
            self.add_path_pair(local, remote)

    def add_path_pair(self, local: str, remote: str) -> None:
        row = self.mapping_table.rowCount()
        self.mapping_table.insertRow(row)
        self.mapping_table.setItem(row, 0, QTableWidgetItem(local))
        self.mapping_table.setItem(row, 1, QTableWidgetItem(remote))

    def remove_selected_pairs(self) -> None:
        rows = sorted({index.row() for index in self.mapping_table.selectedIndexes()})
        for row in reversed(rows):
            self.mapping_table.removeRow(row)

    def apply(self) -> None:
        self.current().save()

    def check_engine(self) -> None:
        """Start the engine (Python or command) in the form, do the handshake and show
        versions and device, and for a command the host it runs on."""
        python = self.python_edit.filePath().strip() or default_engine_python()
        self.details_button.setVisible(False)
        self.check_details = ""
        try:
            PathMap.from_pairs(self.path_pairs())
        except ValueError as exc:
            self.check_label.setText(
                tr("The path mapping setting is wrong: {reason}").format(reason=exc)
            )
            return
        self.check_button.setEnabled(False)
        self.check_label.setText(tr("Starting the engine with {python}...").format(python=python))

        def done(answer: dict) -> None:
            self.check_button.setEnabled(True)
            text = tr("OK: {summary}").format(summary=describe_engine(answer))
            if answer.get("command"):
                text += " " + tr("(on {host}, through the command {command})").format(
                    host=answer.get("host", "?"), command=answer["command"]
                )
            self.check_label.setText(text)

        def failed(message: str, details: str) -> None:
            self.check_button.setEnabled(True)
            self.check_label.setText(message)
            self.check_details = full_text(message, details)
            self.details_button.setVisible(True)

        self.check_task = submit(
            EngineTask(
                tr("SCI-CBIR: checking the engine"),
                lambda context: self.engine.hello(python),
                done,
                failed,
                lambda: self.check_button.setEnabled(True),
            )
        )

    def show_details(self) -> QDialog:
        """The whole text of the last failed check in a small window (selectable, copyable)."""
        dialog = QDialog(self)
        dialog.setWindowTitle(tr("SCI-CBIR: engine check"))
        dialog.resize(640, 360)
        layout = QVBoxLayout(dialog)
        text = QPlainTextEdit(dialog)
        text.setObjectName("checkEngineDetailsText")
        text.setReadOnly(True)
        text.setPlainText(self.check_details)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.show()
        return dialog


class SettingsDialog(QDialog):
    """The form in a dialog (the panel's settings button)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("SCI-CBIR settings"))
        layout = QVBoxLayout(self)
        self.form = SettingsForm(self)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        self.form.apply()
        super().accept()


class SettingsPage(QgsOptionsPageWidget):
    """Settings > Options > SCI-CBIR."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = SettingsForm(self)
        layout.addWidget(self.form)
        layout.addStretch(1)

    def apply(self) -> None:
        self.form.apply()


class SettingsPageFactory(QgsOptionsWidgetFactory):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("SCI-CBIR")

    def icon(self) -> QIcon:
        return QIcon(icon_path())

    def createWidget(self, parent=None) -> SettingsPage:
        return SettingsPage(parent)
