"""Archive tab: compress a folder of rasters into an archive folder, with progress and cancel.

When the job ends the archive's catalog (a GeoPackage of tile footprints) is added to the map,
and files that failed (corrupt, wrong bands, no CRS) are listed with the engine's reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import QgsProject
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import results as result_layers
from ..core.engine import EngineSession, session
from ..core.i18n import tr
from ..core.queries import QueryError, compress_params
from ..core.settings import PluginSettings
from ..tasks.engine_task import EngineTask, submit
from . import feedback

CATALOG = "catalog.gpkg"
TILES_LAYER = "tiles"


def catalog_path(archive: str, answer: Any = None) -> str | None:
    """The archive's catalog GeoPackage (``catalog.gpkg`` in the archive folder)."""
    if isinstance(answer, dict) and answer.get("catalog"):
        if Path(str(answer["catalog"])).is_file():
            return str(answer["catalog"])
    if archive and (Path(archive) / CATALOG).is_file():
        return str(Path(archive) / CATALOG)
    return None


def failures_of(answer: Any) -> list[str]:
    """Readable "file: reason" lines for the sources that failed in a ``compress`` summary."""
    if not isinstance(answer, dict):
        return []
    lines = []
    for source in answer.get("sources") or []:
        if isinstance(source, dict) and source.get("status") == "failed":
            lines.append(f"{source.get('path', '?')}: {source.get('error') or ''}")
    return lines


def summary_lines(answer: Any) -> list[str]:
    """The figures of a ``compress`` summary a user cares about, one per line."""
    if not isinstance(answer, dict):
        return []
    lines = []
    labels = (
        ("added", tr("files added")),
        ("replaced", tr("files replaced (changed since)")),
        ("unchanged", tr("files already in the archive")),
        ("failed", tr("files failed")),
        ("tiles", tr("tiles written")),
    )
    for key, label in labels:
        if isinstance(answer.get(key), (int, float)):
            lines.append(f"{label}: {answer[key]}")
    if answer.get("seconds"):
        lines.append(tr("time: {s:.1f} s").format(s=float(answer["seconds"])))
    return lines


def add_archive_layer(project: QgsProject, archive: str, answer: Any = None):
    """Add the archive's footprints to the map (replacing an older copy of the same archive)."""
    path = catalog_path(archive, answer)
    if path is None:
        return None
    name = tr("Archive {name}").format(name=Path(archive).name)
    for layer in project.mapLayersByName(name):
        project.removeMapLayer(layer.id())
    layer = result_layers.load_footprints(
        f"{path}|layername={TILES_LAYER}", name, result_layers.ARCHIVE_STYLE
    )
    if not layer.isValid():
        return None
    project.addMapLayer(layer)
    return layer


class ArchivePanel(QWidget):
    def __init__(self, iface, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.engine = engine or session()
        self.settings = PluginSettings.load()
        self.task: EngineTask | None = None
        self.archive_layer = None
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        help_label = QLabel(
            tr(
                "Compress every raster of a folder (and its sub-folders) into an archive "
                "folder: each tile becomes a compact bitstream plus a hash code for search. "
                "Running it again on the same folder continues where it stopped."
            ),
            self,
        )
        help_label.setWordWrap(True)
        layout.addWidget(help_label)
        form = QFormLayout()
        self.source_edit = QgsFileWidget(self)
        self.source_edit.setObjectName("sourceFolder")
        self.source_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.source_edit.setFilePath(self.settings.last_source_folder)
        form.addRow(tr("Raster folder"), self.source_edit)
        self.archive_edit = QgsFileWidget(self)
        self.archive_edit.setObjectName("archiveFolder")
        self.archive_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.archive_edit.setFilePath(self.settings.archive)
        form.addRow(tr("Archive folder"), self.archive_edit)
        self.model_combo = QComboBox(self)
        self.model_combo.setObjectName("modelCombo")
        self.model_combo.setEditable(True)
        self.model_combo.addItem(self.settings.model)
        self.model_combo.setToolTip(
            tr("Model package name or folder; empty: the engine picks one matching the bands")
        )
        models_row = QHBoxLayout()
        models_row.addWidget(self.model_combo, 1)
        self.models_button = QPushButton(tr("List"), self)
        self.models_button.setToolTip(tr("Ask the engine which model packages it has"))
        self.models_button.clicked.connect(self.refresh_models)
        models_row.addWidget(self.models_button)
        form.addRow(tr("Model"), models_row)
        self.bands_edit = QLineEdit(self)
        self.bands_edit.setPlaceholderText(tr("automatic (e.g. B04,B03,B02 or 3,2,1)"))
        form.addRow(tr("Bands"), self.bands_edit)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.compress_button = QPushButton(tr("Compress"), self)
        self.compress_button.setObjectName("compressButton")
        self.compress_button.clicked.connect(self.compress)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.compress_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("compressSummary")
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText(tr("Summary of the last run"))
        layout.addWidget(self.summary, 1)

    def refresh_models(self) -> None:
        def done(answer: Any) -> None:
            models = answer.get("models", answer) if isinstance(answer, dict) else answer
            current = self.model_combo.currentText()
            self.model_combo.clear()
            self.model_combo.addItem("")
            for model in models or []:
                name = (
                    model.get("name") or model.get("model_id") if isinstance(model, dict) else model
                )
                path = model.get("path", "") if isinstance(model, dict) else ""
                self.model_combo.addItem(str(name), str(path or name))
            self.model_combo.setCurrentText(current)

        submit(
            EngineTask(
                tr("SCI-CBIR: listing models"),
                lambda context: self.engine.call("models", {}, context.is_cancelled),
                done,
                lambda message, details: feedback.error(self.iface, message, details),
            )
        )

    def compress(self) -> EngineTask | None:
        source = self.source_edit.filePath().strip()
        archive = self.archive_edit.filePath().strip()
        try:
            params = compress_params(
                source, archive, self.model_combo.currentText().strip(), self.bands_edit.text()
            )
        except QueryError as exc:
            feedback.warning(self.iface, str(exc))
            self.summary.setPlainText(str(exc))
            return None
        settings = PluginSettings.load()
        settings.archive = archive
        settings.last_source_folder = source
        settings.save()
        self._busy(True)
        self.summary.setPlainText(tr("Compressing {source}...").format(source=source))
        task = EngineTask(
            tr("SCI-CBIR: compressing {name}").format(name=Path(source).name),
            lambda context: self.engine.run_job(
                "compress", params, context.progress, context.is_cancelled
            ),
            lambda answer: self._done(archive, answer),
            self._failed,
            self._cancelled,
        )
        task.progressEvent.connect(self._on_progress)
        self.task = submit(task)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _busy(self, busy: bool) -> None:
        self.compress_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.task = None

    def _on_progress(self, event: dict) -> None:
        done, total = event.get("done") or 0, event.get("total") or 0
        if total:
            self.progress.setValue(int(100 * done / total))
        if event.get("message"):
            self.summary.setPlainText(f"{done}/{total} {event['message']}")

    def _done(self, archive: str, answer: Any) -> None:
        self._busy(False)
        self.progress.setValue(100)
        failures = failures_of(answer)
        lines = [tr("Finished: {archive}").format(archive=archive), *summary_lines(answer)]
        if failures:
            lines.append(tr("{n} files failed:").format(n=len(failures)))
            lines.extend(failures)
        self.summary.setPlainText("\n".join(lines))
        self.archive_layer = add_archive_layer(QgsProject.instance(), archive, answer)
        if failures:
            feedback.warning(
                self.iface,
                tr("Archive written; {n} files failed (see the Archive tab).").format(
                    n=len(failures)
                ),
            )
        else:
            feedback.success(self.iface, tr("Archive written: {archive}").format(archive=archive))

    def _failed(self, message: str, details: str) -> None:
        self._busy(False)
        self.summary.setPlainText(message)
        feedback.error(self.iface, message, details)

    def _cancelled(self) -> None:
        self._busy(False)
        self.summary.setPlainText(
            tr("Cancelled. The archive is consistent; press Compress again to continue.")
        )

    def shutdown(self) -> None:
        self.cancel()
