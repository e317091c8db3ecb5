"""Retrain the model on the user's own data, with live progress and curves.

The engine's ``train`` job does the work (three stages of the method: compression, rate
trade-off, joint hashing); this dialog collects the dataset and recipe, shows stage, epoch,
losses and PSNR/bpp/precision curves as they arrive, cancels (the engine saves a checkpoint) and
resumes, and offers the finished model for the next compression.

The output folder starts as a new folder inside the plugin's folder of trained models, so that
the Archive tab lists the new package with the shipped ones. "Use this model" picks it in the
Archive tab for the next compression only: it is not stored as a default, since a pinned model
was used for every later compression whatever the rasters' bands.

Recipes live in the engine (``train.inspect`` answers with their parameters): choosing one fills
the epochs, batch size and steps per epoch. The value scale comes from the data: the engine
reads a sample of the dataset's files and the detected scale is shown (and may be changed); the
request always carries it, or ``auto`` while the detection has not answered, so the engine reads
it itself. A warning says when the dataset is too small for the chosen steps.

"Train on this archive (no labels)" is the other way in: the engine's ``train.archive`` job
retrains only the hashing part on the archive's own tiles (a contrastive objective, no labels),
writes a new model package with the same codec and switches the archive to its codes; the
archive's bitstreams stay as they are and the previous model stays available.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
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
from ..engine_client.protocol_v1 import AnswerError, TrainAnswer
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
CONFIG_FILE = "config-file"
ARCHIVE_NO_LABELS = "archive-no-labels"
# names of the engine's recipes (scicbir.training.recipes), then a YAML file of one's own, then
# the label-free adaptation of an archive's codes
RECIPES = (
    ("rgb-8bit", QT_TRANSLATE_NOOP("@default", "RGB 8-bit")),
    ("sentinel2-12band", QT_TRANSLATE_NOOP("@default", "Sentinel-2 12-band")),
    (CONFIG_FILE, QT_TRANSLATE_NOOP("@default", "From a config file...")),
    (ARCHIVE_NO_LABELS, QT_TRANSLATE_NOOP("@default", "Train on this archive (no labels)")),
)
SELF_SUPERVISED_STEPS = 3000  # the engine's default (scicbir.training.self_supervised)
SCALE_KINDS = {
    "8-bit": QT_TRANSLATE_NOOP("@default", "8-bit values"),
    "reflectance": QT_TRANSLATE_NOOP(
        "@default", "16-bit reflectance x 10000 (Sentinel-2 digital numbers)"
    ),
    "integer": QT_TRANSLATE_NOOP("@default", "integers above 8 bits (99.9th percentile)"),
    "float": QT_TRANSLATE_NOOP("@default", "floating point (0.1 to 99.9th percentile range)"),
}
MAX_PASSES = 200  # more passes over each training sample: the model learns the images by heart


def size_warning(
    train: int, batch: int, max_steps: int, epochs: list[int], stages: list[int]
) -> str:
    """A warning when ``train`` training samples are too few for the chosen schedule.

    Steps per epoch are as in the engine's trainer: one pass over the training split in batches
    of ``batch``, at most ``max_steps`` (0: no cap).
    """
    if train < batch:
        return tr(
            "Training samples: {train}, fewer than one batch ({batch}). Add images or lower "
            "the batch size."
        ).format(train=train, batch=batch)
    steps = max(1, train // batch)
    if max_steps:
        steps = min(steps, max_steps)
    total = sum(epochs[s - 1] for s in stages) * steps
    passes = total * batch / train
    if passes > MAX_PASSES:
        return tr(
            "{total} steps on {train} training samples: each sample would be seen about "
            "{passes} times, and the model would learn these images by heart instead of "
            "generalising. Add images or lower the epochs."
        ).format(total=total, train=train, passes=round(passes))
    return ""


def default_output_folder(recipe: str | None = None) -> str:
    """A new folder for a training run inside the folder of trained models (see Settings)."""
    base = Path(PluginSettings.load().models_folder)
    stem = f"{recipe or 'model'}-{time.strftime('%Y%m%d-%H%M')}"
    target, suffix = base / stem, 1
    while target.exists():
        suffix += 1
        target = base / f"{stem}-{suffix}"
    return str(target)


def model_path_of(answer: Any) -> str:
    """The new model package folder of a ``train`` or ``train.archive`` answer."""
    try:
        return TrainAnswer.from_json(answer).model
    except AnswerError:
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
        self.resize(600, 780)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.recipe_combo = QComboBox(self)
        for key, label in RECIPES:
            self.recipe_combo.addItem(tr(label), key)
        self.recipe_combo.setToolTip(
            tr(
                "The recipe of a shipped model (its epochs, batch size, model size and learning "
                "rates) applied to your dataset, or a training YAML file"
            )
        )
        form.addRow(tr("Recipe"), self.recipe_combo)
        self.config_edit = QgsFileWidget(self)
        self.config_edit.setStorageMode(QgsFileWidget.GetFile)
        self.config_edit.setFilter("YAML (*.yaml *.yml)")
        self.config_edit.setToolTip(
            tr(
                "Training recipe (YAML, as for 'scicbir train --config'); the fields here "
                "override it"
            )
        )
        form.addRow(tr("Config file"), self.config_edit)
        self.archive_edit = QgsFileWidget(self)
        self.archive_edit.setObjectName("trainArchive")
        self.archive_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.archive_edit.setFilePath(PluginSettings.load().archive or "")
        self.archive_edit.setToolTip(
            tr(
                "The archive whose hash codes are retrained on its own tiles, without labels. "
                "Its bitstreams stay as they are; it is switched to the new model's codes when "
                "the training has finished, and the previous model stays available."
            )
        )
        form.addRow(tr("Archive folder"), self.archive_edit)
        self.ssl_steps_spin = QSpinBox(self)
        self.ssl_steps_spin.setRange(1, 1000000)
        self.ssl_steps_spin.setValue(SELF_SUPERVISED_STEPS)
        form.addRow(tr("Training steps"), self.ssl_steps_spin)
        self.form = form
        self.dataset_edit = QgsFileWidget(self)
        self.dataset_edit.setStorageMode(QgsFileWidget.GetDirectory)
        form.addRow(tr("Dataset folder"), self.dataset_edit)
        self.kind_combo = QComboBox(self)
        for key, label in DATASET_KINDS:
            self.kind_combo.addItem(tr(label), key)
        form.addRow(tr("Dataset layout"), self.kind_combo)
        self.dataset_label = QLabel(self)
        self.dataset_label.setWordWrap(True)
        form.addRow("", self.dataset_label)
        self.scale_spin = QDoubleSpinBox(self)
        self.scale_spin.setDecimals(4)
        self.scale_spin.setRange(0.0, 1e9)
        self.scale_spin.setSpecialValueText(tr("from the data"))
        self.scale_spin.setToolTip(
            tr(
                "The network sees (value - offset) / scale: 255 for 8-bit images, 10000 for "
                "Sentinel-2 reflectance. Read from the dataset's files; change it if you know "
                "better."
            )
        )
        form.addRow(tr("Values divided by"), self.scale_spin)
        self.offset_spin = QDoubleSpinBox(self)
        self.offset_spin.setDecimals(4)
        self.offset_spin.setRange(-1e9, 1e9)
        form.addRow(tr("Value offset"), self.offset_spin)
        self.scale_label = QLabel(self)
        self.scale_label.setWordWrap(True)
        form.addRow("", self.scale_label)
        stages = QHBoxLayout()
        self.stage_checks = []
        for number, label in ((1, tr("1 compression")), (2, tr("2 rate")), (3, tr("3 hashing"))):
            check = QCheckBox(label, self)
            check.setChecked(True)
            check.setProperty("stage", number)
            stages.addWidget(check)
            self.stage_checks.append(check)
        form.addRow(tr("Stages"), stages)
        self.stages_row = stages
        epochs = QHBoxLayout()
        self.epoch_spins = []
        for _stage in (1, 2, 3):
            spin = QSpinBox(self)
            spin.setRange(1, 100000)
            spin.setValue(10)
            epochs.addWidget(spin)
            self.epoch_spins.append(spin)
        form.addRow(tr("Epochs of stages 1, 2, 3"), epochs)
        self.epochs_row = epochs
        self.batch_spin = QSpinBox(self)
        self.batch_spin.setRange(2, 4096)
        self.batch_spin.setValue(16)
        form.addRow(tr("Batch size"), self.batch_spin)
        self.steps_spin = QSpinBox(self)
        self.steps_spin.setRange(0, 10000000)
        self.steps_spin.setSpecialValueText(tr("one pass over the data"))
        self.steps_spin.setToolTip(
            tr("Training steps per epoch at most; an epoch never goes beyond one pass")
        )
        form.addRow(tr("Steps per epoch"), self.steps_spin)
        self.device_combo = QComboBox(self)
        self.device_combo.addItems(DEVICES)
        self.device_combo.setToolTip(tr("auto uses a CUDA GPU when the engine sees one"))
        form.addRow(tr("Device"), self.device_combo)
        self.output_edit = QgsFileWidget(self)
        self.output_edit.setStorageMode(QgsFileWidget.GetDirectory)
        self.output_edit.setToolTip(
            tr(
                "Folder the new model package is written to; by default a new folder in the "
                "folder of trained models (Settings), where the Archive tab lists it"
            )
        )
        self.output_edit.setFilePath(default_output_folder(self.recipe_combo.currentData()))
        form.addRow(tr("Output model folder"), self.output_edit)
        self.resume_check = QCheckBox(tr("Resume from the last checkpoint in the output folder"))
        self.resume_check.setChecked(True)
        form.addRow("", self.resume_check)
        layout.addLayout(form)
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #b35900; font-weight: bold;")
        layout.addWidget(self.warning_label)

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
        # the engine's answers about the recipe and the dataset
        self.inspect_task: EngineTask | None = None
        self._inspect_generation = 0
        self._filled_from: str | None = None  # recipe (or file) the schedule fields came from
        self._edited = False  # schedule fields changed by the user
        self._filling = False
        self._train_samples: int | None = None
        self._inspect_timer = QTimer(self)
        self._inspect_timer.setSingleShot(True)
        self._inspect_timer.setInterval(300)
        self._inspect_timer.timeout.connect(self.refresh)
        self.recipe_combo.currentIndexChanged.connect(self._recipe_changed)
        self.config_edit.fileChanged.connect(self._recipe_changed)
        self.dataset_edit.fileChanged.connect(self._dataset_changed)
        self.kind_combo.currentIndexChanged.connect(self._dataset_changed)
        for spin in (*self.epoch_spins, self.batch_spin, self.steps_spin):
            spin.valueChanged.connect(self._schedule_edited)
        for check in self.stage_checks:
            check.toggled.connect(self._update_warning)
        self._update_warning()
        self._recipe_changed()

    def no_labels(self) -> bool:
        """True when the archive's own tiles are trained on, without labels."""
        return self.recipe_combo.currentData() == ARCHIVE_NO_LABELS

    def _show_mode(self) -> None:
        """Show the rows of the chosen way of training, hide the others."""
        archive_rows = ((self.archive_edit, [self.archive_edit]),
                        (self.ssl_steps_spin, [self.ssl_steps_spin]))  # fmt: skip
        dataset_rows = [
            (w, [w])
            for w in (
                self.config_edit, self.dataset_edit, self.kind_combo, self.dataset_label,
                self.scale_spin, self.offset_spin, self.scale_label, self.batch_spin,
                self.steps_spin, self.resume_check,
            )
        ]  # fmt: skip
        dataset_rows += [(self.stages_row, self.stage_checks), (self.epochs_row, self.epoch_spins)]
        for rows, visible in (
            (archive_rows, self.no_labels()),
            (dataset_rows, not self.no_labels()),
        ):
            for field, widgets in rows:
                for widget in widgets:
                    widget.setVisible(visible)
                label = self.form.labelForField(field)
                if label is not None:
                    label.setVisible(visible)

    def _recipe_key(self) -> str | None:
        recipe = self.recipe_combo.currentData()
        if recipe == CONFIG_FILE:
            return self.config_edit.filePath().strip() or None
        return recipe

    def _dataset_key(self) -> tuple[str, str]:
        return (self.dataset_edit.filePath().strip(), self.kind_combo.currentData())

    def params(self) -> dict[str, Any]:
        if self.no_labels():
            return {
                "archive": self.archive_edit.filePath().strip(),
                "steps": self.ssl_steps_spin.value(),
                "device": self.device_combo.currentText(),
                "output": self.output_edit.filePath().strip(),
            }
        params: dict[str, Any] = {}
        if self.recipe_combo.currentData() == CONFIG_FILE:
            if self.config_edit.filePath().strip():
                params["config"] = self.config_edit.filePath().strip()
        else:
            params["recipe"] = self.recipe_combo.currentData()
        dataset = self.dataset_edit.filePath().strip()
        if dataset:
            params["dataset"] = dataset
            params["kind"] = self.kind_combo.currentData()
        params["stages"] = [c.property("stage") for c in self.stage_checks if c.isChecked()]
        if self._edited or (self._filled_from and self._filled_from == self._recipe_key()):
            # otherwise the recipe's own schedule applies (its answer has not come yet)
            params["epochs"] = [spin.value() for spin in self.epoch_spins]
            params["batch_size"] = self.batch_spin.value()
            params["max_steps_per_epoch"] = self.steps_spin.value()
        if self.scale_spin.value() > 0:
            params["scale"] = self.scale_spin.value()
            params["offset"] = self.offset_spin.value()
        elif dataset:
            params["scale"] = "auto"  # the engine reads it from the data
        params["device"] = self.device_combo.currentText()
        params["output"] = self.output_edit.filePath().strip()
        params["resume"] = self.resume_check.isChecked()
        return params

    def start(self) -> EngineTask | None:
        params = self.params()
        if self.no_labels():
            return self._start_no_labels(params)
        data = params.get("dataset") or params.get("config")
        if not data or not params["output"] or not params["stages"]:
            self.status_label.setText(
                tr("Choose the dataset folder, the output folder and at least one stage.")
            )
            return None
        return self._run(
            "train",
            params,
            tr("SCI-CBIR: training"),
            tr("Starting the engine and loading the dataset..."),
        )

    def _start_no_labels(self, params: dict[str, Any]) -> EngineTask | None:
        if not params["archive"] or not params["output"]:
            self.status_label.setText(tr("Choose the archive folder and the output folder."))
            return None
        return self._run(
            "train.archive",
            params,
            tr("SCI-CBIR: training on the archive (no labels)"),
            tr("Decoding the archive's tiles..."),
        )

    def _run(self, method: str, params: dict[str, Any], title: str, status: str) -> EngineTask:
        """Start the engine job ``method`` as a QGIS task with this dialog's live view."""
        self._begin(status)
        task = EngineTask(
            title,
            lambda context: self.engine.run_job(
                method, params, context.progress, context.is_cancelled
            ),
            self._done,
            self._failed,
            self._cancelled,
        )
        task.progressEvent.connect(self._on_progress)
        self.task = submit(task)
        return self.task

    def _begin(self, status: str) -> None:
        self.curves.clear()
        self.progress.setValue(0)  # not the last run's 100 %
        self._step = 0
        self.new_model = ""
        self.use_button.setEnabled(False)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status_label.setText(status)

    # ------------------------------------------------------------ recipe and dataset
    def _recipe_changed(self, *_args) -> None:
        self.config_edit.setEnabled(self.recipe_combo.currentData() == CONFIG_FILE)
        self._show_mode()
        self._edited = False
        self._inspect_timer.start()

    def _dataset_changed(self, *_args) -> None:
        self._train_samples = None
        self.dataset_label.clear()
        self.scale_spin.setValue(0.0)  # "from the data" until the engine has read it
        self.offset_spin.setValue(0.0)
        self.scale_label.setText(tr("Reading the dataset...") if self._dataset_key()[0] else "")
        self._update_warning()
        self._inspect_timer.start()

    def _schedule_edited(self, *_args) -> None:
        if not self._filling:
            self._edited = True
        self._update_warning()

    def refresh(self) -> EngineTask | None:
        """Ask the engine for the recipe's parameters and the dataset's size and value scale."""
        self._inspect_timer.stop()
        if self.no_labels():
            return None  # nothing to read ahead: the archive knows its model
        recipe, (dataset, kind) = self._recipe_key(), self._dataset_key()
        params: dict[str, Any] = {}
        if recipe is not None:
            params["config" if self.recipe_combo.currentData() == CONFIG_FILE else "recipe"] = (
                recipe
            )
        if dataset:
            params.update(dataset=dataset, kind=kind)
        if not params:
            return None
        self._inspect_generation += 1
        generation = self._inspect_generation
        task = EngineTask(
            tr("SCI-CBIR: reading the dataset"),
            lambda context: self.engine.call("train.inspect", params, context.is_cancelled),
            lambda answer: self._inspected(generation, recipe, dataset, answer),
            lambda message, details: self._inspect_failed(generation, dataset, message),
        )
        self.inspect_task = submit(task)
        return self.inspect_task

    def _inspected(self, generation: int, recipe: str | None, dataset: str, answer: Any) -> None:
        if generation != self._inspect_generation or not isinstance(answer, dict):
            return  # a later request is on its way
        shown = answer.get("parameters")
        if isinstance(shown, dict) and recipe != self._filled_from and not self._edited:
            self._fill(shown)
            self._filled_from = recipe
        facts = answer.get("dataset")
        if isinstance(facts, dict) and dataset:
            self._show_dataset(facts)
        self._update_warning()

    def _fill(self, shown: dict) -> None:
        self._filling = True
        try:
            for spin, value in zip(self.epoch_spins, shown.get("epochs") or [], strict=False):
                spin.setValue(int(value))
            if shown.get("batch_size"):
                self.batch_spin.setValue(int(shown["batch_size"]))
            self.steps_spin.setValue(int(shown.get("max_steps_per_epoch") or 0))
        finally:
            self._filling = False

    def _show_dataset(self, facts: dict) -> None:
        self._train_samples = int(facts.get("train") or 0)
        self.dataset_label.setText(
            tr(
                "{samples} samples ({train} for training, {val} for validation), {bands} bands, "
                "{labels} classes"
            ).format(
                samples=facts.get("samples"),
                train=facts.get("train"),
                val=facts.get("val"),
                bands=len(facts.get("bands") or []),
                labels=facts.get("labels"),
            )
        )
        found = facts.get("value_scale") or {}
        if found.get("scale"):
            self.scale_spin.setValue(float(found["scale"]))
            self.offset_spin.setValue(float(found.get("offset") or 0.0))
            kind = SCALE_KINDS.get(found.get("kind"), found.get("kind") or "")
            self.scale_label.setText(
                tr("Detected in {files} files ({dtype}, {min:g} to {max:g}): {kind}.").format(
                    files=found.get("files"),
                    dtype=found.get("dtype"),
                    min=float(found.get("min", 0)),
                    max=float(found.get("max", 0)),
                    kind=tr(kind),
                )
            )

    def _inspect_failed(self, generation: int, dataset: str, message: str) -> None:
        if generation != self._inspect_generation:
            return
        if dataset:
            self.scale_label.setText(
                tr("Could not read the dataset: {error}").format(error=message)
            )
        else:  # the recipe's figures did not come (engine not set up...): the recipe still applies
            self.status_label.setText(message)

    def _update_warning(self, *_args) -> None:
        stages = [c.property("stage") for c in self.stage_checks if c.isChecked()]
        text = ""
        if self._train_samples is not None and stages:
            text = size_warning(
                self._train_samples,
                self.batch_spin.value(),
                self.steps_spin.value(),
                [spin.value() for spin in self.epoch_spins],
                stages,
            )
        self.warning_label.setText(text)
        self.warning_label.setVisible(bool(text))

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
        done = TrainAnswer.from_json(answer) if self.new_model else None
        if done is not None and done.archive:
            self.status_label.setText(
                tr(
                    "Finished: archive {archive} now uses the codes of {model} ({tiles} tiles "
                    "re-hashed; the previous model {previous} is kept)."
                ).format(
                    archive=done.archive,
                    model=done.model_name or Path(done.model).name,
                    tiles=done.tiles_rehashed,
                    previous=done.previous_model,
                )
            )
            feedback.success(self.iface, tr("Archive adapted: {model}").format(model=done.model))
            return
        self.status_label.setText(tr("Finished: {model}").format(model=self.new_model or "?"))
        feedback.success(self.iface, tr("Training finished: {model}").format(model=self.new_model))

    def _failed(self, message: str, details: str) -> None:
        self._finish()
        self.status_label.setText(message)
        feedback.error(self.iface, message, details)

    def _cancelled(self) -> None:
        self._finish()
        if self.no_labels():
            self.status_label.setText(tr("Cancelled; the archive keeps its codes and model."))
            return
        self.resume_check.setChecked(True)
        self.status_label.setText(
            tr("Cancelled; the last checkpoint is kept. Start again with 'Resume' to continue.")
        )

    def use_model(self) -> None:
        """Pick the new model in the Archive tab for the next compression (not stored)."""
        if not self.new_model:
            return
        self.modelReady.emit(self.new_model)
        feedback.success(
            self.iface,
            tr("Model {model} chosen in the Archive tab for the next compression.").format(
                model=Path(self.new_model).name
            ),
        )
