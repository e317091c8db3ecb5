"""Retrain the model on the user's own data, with live progress and curves.

The engine's ``train`` job does the work (three stages of the method: compression, rate
trade-off, joint hashing); this dialog collects the dataset and recipe, shows stage, epoch,
losses and PSNR/bpp/precision curves as they arrive, cancels (the engine saves a checkpoint) and
resumes, and offers the finished model as the new default.
"""

from __future__ import annotations

from typing import Any

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ..core.engine import EngineSession, session
from ..core.i18n import tr
from ..core.settings import PluginSettings
from ..tasks.engine_task import EngineTask, submit
from . import feedback
from .curves import CurvesWidget

DATASET_KINDS = (
    ("class-folder", QT_TRANSLATE_NOOP("@default", "One folder per class (EuroSAT, AID)")),
    ("bigearthnet", QT_TRANSLATE_NOOP("@default", "BigEarthNet-S2 folders")),
    ("mlrsnet", QT_TRANSLATE_NOOP("@default", "MLRSNet (images + label CSVs)")),
    ("geotiff-csv", QT_TRANSLATE_NOOP("@default", "GeoTIFFs + labels CSV")),
    ("raster-tiles", QT_TRANSLATE_NOOP("@default", "Large rasters cut into tiles")),
)
DEVICES = ("auto", "cpu", "cuda")


def model_path_of(answer: Any) -> str:
    if isinstance(answer, dict):
        for key in ("model", "model_path", "path", "output"):
            if answer.get(key):
                return str(answer[key])
    return ""


class TrainDialog(QDialog):
    """Emits ``modelReady(path)`` when a training run finished and wrote a model package."""

    modelReady = pyqtSignal(str)  # noqa: N815 (Qt signal name)

    def __init__(self, iface, parent=None, engine: EngineSession | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.engine = engine or session()
        self.task: EngineTask | None = None
        self.setWindowTitle(tr("SCI-CBIR: retrain the model"))
        self.resize(560, 560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.dataset_edit = QgsFileWidget(self)
        self.dataset_edit.setStorageMode(QgsFileWidget.GetDirectory)
        form.addRow(tr("Dataset folder"), self.dataset_edit)
        self.kind_combo = QComboBox(self)
        for key, label in DATASET_KINDS:
            self.kind_combo.addItem(tr(label), key)
        form.addRow(tr("Dataset layout"), self.kind_combo)
        self.config_edit = QgsFileWidget(self)
        self.config_edit.setStorageMode(QgsFileWidget.GetFile)
        self.config_edit.setFilter("YAML (*.yaml *.yml)")
        self.config_edit.setToolTip(
            tr(
                "Optional training recipe (YAML, as for 'scicbir train --config'); the fields here override it"
            )
        )
        form.addRow(tr("Recipe (optional)"), self.config_edit)
        stages = QHBoxLayout()
        self.stage_checks = []
        for number, label in ((1, tr("1 compression")), (2, tr("2 rate")), (3, tr("3 hashing"))):
            check = QCheckBox(label, self)
            check.setChecked(True)
            check.setProperty("stage", number)
            stages.addWidget(check)
            self.stage_checks.append(check)
        form.addRow(tr("Stages"), stages)
        self.epochs_spin = QSpinBox(self)
        self.epochs_spin.setRange(1, 10000)
        self.epochs_spin.setValue(10)
        form.addRow(tr("Epochs per stage"), self.epochs_spin)
        self.device_combo = QComboBox(self)
        self.device_combo.addItems(DEVICES)
        self.device_combo.setToolTip(tr("auto uses a CUDA GPU when the engine sees one"))
        form.addRow(tr("Device"), self.device_combo)
        self.output_edit = QgsFileWidget(self)
        self.output_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.output_edit.setToolTip(tr("Folder the new model package is written to"))
        form.addRow(tr("Output model folder"), self.output_edit)
        self.resume_check = QCheckBox(tr("Resume from the last checkpoint in the output folder"))
        self.resume_check.setChecked(True)
        form.addRow("", self.resume_check)
        layout.addLayout(form)

        self.status_label = QLabel(tr("Not started."), self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.progress = QProgressBar(self)
        layout.addWidget(self.progress)
        self.curves = CurvesWidget(self)
        layout.addWidget(self.curves, 1)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(tr("Start training"), self)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button = QPushButton(tr("Use this model"), self)
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_model)
        close_button = QPushButton(tr("Close"), self)
        close_button.clicked.connect(self.close)
        for button in (self.start_button, self.cancel_button, self.use_button, close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.new_model = ""
        self._step = 0

    def params(self) -> dict[str, Any]:
        params = {
            "dataset": self.dataset_edit.filePath().strip(),
            "kind": self.kind_combo.currentData(),
            "stages": [c.property("stage") for c in self.stage_checks if c.isChecked()],
            "epochs": self.epochs_spin.value(),
            "device": self.device_combo.currentText(),
            "output": self.output_edit.filePath().strip(),
            "resume": self.resume_check.isChecked(),
        }
        if self.config_edit.filePath().strip():
            params["config"] = self.config_edit.filePath().strip()
        return params

    def start(self) -> EngineTask | None:
        params = self.params()
        if not params["dataset"] or not params["output"] or not params["stages"]:
            self.status_label.setText(
                tr("Choose the dataset folder, the output folder and at least one stage.")
            )
            return None
        self.curves.clear()
        self._step = 0
        self.new_model = ""
        self.use_button.setEnabled(False)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status_label.setText(tr("Starting the engine and loading the dataset..."))
        task = EngineTask(
            tr("SCI-CBIR: training"),
            lambda context: self.engine.run_job(
                "train", params, context.progress, context.is_cancelled
            ),
            self._done,
            self._failed,
            self._cancelled,
        )
        task.progressEvent.connect(self._on_progress)
        self.task = submit(task)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.status_label.setText(tr("Cancelling: the engine saves a checkpoint first..."))
            self.task.cancel()

    def _on_progress(self, event: dict) -> None:
        done, total = event.get("done") or 0, event.get("total") or 0
        if total:
            self.progress.setValue(int(100 * done / total))
        figures = dict(event.get("figures") or {})
        stage, epoch = figures.pop("stage", None), figures.pop("epoch", None)
        figures.pop("step", None)
        self._step += 1
        self.curves.add_figures(self._step, figures)
        head = []
        if isinstance(stage, int) and stage > 0:
            head.append(tr("stage {stage}").format(stage=stage))
        if isinstance(epoch, int):
            head.append(tr("epoch {epoch}").format(epoch=epoch + 1))
        text = ", ".join(head)
        if event.get("message"):
            text = f"{text}: {event['message']}" if text else str(event["message"])
        self.status_label.setText(text)

    def _finish(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.task = None

    def _done(self, answer: Any) -> None:
        self._finish()
        self.progress.setValue(100)
        self.new_model = model_path_of(answer)
        self.use_button.setEnabled(bool(self.new_model))
        self.status_label.setText(tr("Finished: {model}").format(model=self.new_model or "?"))
        feedback.success(self.iface, tr("Training finished: {model}").format(model=self.new_model))

    def _failed(self, message: str, details: str) -> None:
        self._finish()
        self.status_label.setText(message)
        feedback.error(self.iface, message, details)

    def _cancelled(self) -> None:
        self._finish()
        self.resume_check.setChecked(True)
        self.status_label.setText(
            tr("Cancelled; the last checkpoint is kept. Start again with 'Resume' to continue.")
        )

    def use_model(self) -> None:
        """Make the new model the default for compressing and searching."""
        if not self.new_model:
            return
        settings = PluginSettings.load()
        settings.model = self.new_model
        settings.save()
        self.modelReady.emit(self.new_model)
        feedback.success(self.iface, tr("Default model: {model}").format(model=self.new_model))
