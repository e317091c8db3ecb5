"""Archive tab: compress a folder of rasters into an archive folder, with progress and cancel.

When the job ends the archive's catalog (a GeoPackage of tile footprints) is added to the map,
and files that failed (corrupt, wrong bands, no CRS) are listed, worded from the reason code
the engine gives each (the engine's own text goes behind the warning's details button).

A model package can hold several rate points (rate-distortion trade-offs, quality 1 = fewest
bits); the "Quality" choice lists those of the chosen model and sends the one picked with the
request (nothing when it is the model's default).

The model follows the rasters' bands ("automatic (by band count)", the first entry) unless the
user picks one for this compression; nothing is remembered across sessions, because a model
pinned once was silently used for rasters it could not take. Before a run starts, the folder's
band counts are read and a model that cannot take some rasters is named with those files, so the
user can pick another model or go on knowingly. Trained models are listed with the shipped ones:
the listing sends the folder of trained models (a plugin setting) to the engine.
"""

from __future__ import annotations

import json
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
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import results as result_layers
from ..core.compress_summary import catalog_path, failure_details, failures_of, nothing_in
from ..core.engine import EngineSession, session
from ..core.i18n import tr
from ..core.queries import QueryError, compress_params
from ..core.settings import PluginSettings
from ..core.sources import FolderScan, RasterFile, band_mismatches, scan_folder
from ..tasks.engine_task import EngineTask, submit
from . import feedback

TILES_LAYER = "tiles"
PACKAGE_MANIFEST = "package.json"
PACKAGE_CONFIG = "config.json"
#: Files named in a warning at most; the rest are counted.
MAX_NAMED = 12


def automatic_label() -> str:
    """The model choice's first entry: no model is sent, the engine picks by band count."""
    return tr("automatic (by band count)")


def model_bands_of(model: Any) -> int | None:
    """How many bands a model takes: from a ``models`` summary (``bands``), else from the
    package's ``config.json`` when its folder is readable here; None when unknown."""
    if not isinstance(model, dict):
        return None
    bands = model.get("bands")
    if isinstance(bands, list) and bands:
        return len(bands)
    if model.get("path"):
        config = Path(str(model["path"])).expanduser() / PACKAGE_CONFIG
        try:
            bands = json.loads(config.read_text(encoding="utf-8")).get("bands")
        except (OSError, ValueError, AttributeError):
            return None
        if isinstance(bands, list) and bands:
            return len(bands)
    return None


def file_list(files: list[RasterFile] | list[str], with_bands: bool = True) -> str:
    """Files for a message, one per line, at most ``MAX_NAMED`` and then how many more."""
    lines = []
    for item in files[:MAX_NAMED]:
        if isinstance(item, RasterFile):
            lines.append(
                tr("{name} (%n bands)", None, int(item.bands)).format(name=item.name)
                if with_bands
                else item.name
            )
        else:
            lines.append(Path(item).name)
    if len(files) > MAX_NAMED:
        lines.append(tr("... and %n more", None, len(files) - MAX_NAMED))
    return "\n".join(lines)


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


def rate_points_of(model: Any) -> list[dict[str, Any]]:
    """The rate points of a model (a ``models`` summary, or ``{"path": folder}``), fewest bits
    first: ``{quality, bpp, psnr, default}`` each; empty for a model with one point.

    A summary without ``rate_points`` (an engine listing models without them) is completed from
    the package's ``package.json`` when the package folder is readable here.
    """
    if not isinstance(model, dict):
        return []
    points = model.get("rate_points")
    if points is None and model.get("path"):
        manifest = Path(str(model["path"])).expanduser() / PACKAGE_MANIFEST
        try:
            points = json.loads(manifest.read_text(encoding="utf-8")).get("rate_points")
        except (OSError, ValueError, AttributeError):
            points = None
    result = []
    for point in points or []:
        if not isinstance(point, dict):
            continue
        try:
            quality = int(point["quality"])
        except (KeyError, TypeError, ValueError):
            continue
        result.append({**point, "quality": quality})
    result.sort(key=lambda p: p["quality"])
    default = model.get("quality")
    if result and not any(p.get("default") for p in result) and default is not None:
        for point in result:
            point["default"] = point["quality"] == default
    return result


def quality_label(point: dict[str, Any]) -> str:
    """A rate point as the user picks it, e.g. "1 — 0.35 bpp, 24.1 dB (default)"."""
    quality = int(point["quality"])
    bpp, psnr = point.get("bpp"), point.get("psnr")
    if isinstance(bpp, (int, float)) and isinstance(psnr, (int, float)):
        text = tr("{quality} — {bpp:.2f} bpp, {psnr:.1f} dB").format(
            quality=quality, bpp=float(bpp), psnr=float(psnr)
        )
    elif isinstance(bpp, (int, float)):
        text = tr("{quality} — {bpp:.2f} bpp").format(quality=quality, bpp=float(bpp))
    else:
        text = str(quality)
    if point.get("default"):
        text = tr("{point} (default)").format(point=text)
    return text


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
        self.models: list[dict[str, Any]] = []  # the engine's last model listing
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
        self.model_combo.addItem(automatic_label(), "")
        self.model_combo.setToolTip(
            tr(
                "Model package name or folder for this compression; automatic: the engine picks "
                "the model matching the rasters' band count"
            )
        )
        models_row = QHBoxLayout()
        models_row.addWidget(self.model_combo, 1)
        self.models_button = QPushButton(tr("List"), self)
        self.models_button.setToolTip(tr("Ask the engine which model packages it has"))
        self.models_button.clicked.connect(self.refresh_models)
        models_row.addWidget(self.models_button)
        form.addRow(tr("Model"), models_row)
        self.model_note = QLabel(self)
        self.model_note.setObjectName("modelNote")
        self.model_note.setWordWrap(True)
        form.addRow("", self.model_note)
        self.quality_combo = QComboBox(self)
        self.quality_combo.setObjectName("qualityCombo")
        self.quality_combo.setToolTip(
            tr(
                "Rate point of the model: fewer bits per pixel (bpp) make a smaller archive, "
                "more bits a higher PSNR (dB; both measured on the model's validation data). "
                "An archive keeps the quality it was made with."
            )
        )
        self.quality_note = QLabel(self)
        self.quality_note.setObjectName("qualityNote")
        self.quality_note.setWordWrap(True)
        self.quality_box = QWidget(self)
        quality_layout = QVBoxLayout(self.quality_box)
        quality_layout.setContentsMargins(0, 0, 0, 0)
        quality_layout.addWidget(self.quality_combo)
        quality_layout.addWidget(self.quality_note)
        self.quality_label = QLabel(tr("Quality"), self)
        form.addRow(self.quality_label, self.quality_box)
        self.model_combo.currentTextChanged.connect(self.update_qualities)
        self.model_combo.currentTextChanged.connect(self.update_model_note)
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
        self.update_qualities()
        self.update_model_note()

    def model_text(self) -> str:
        """The model to send: a name or folder, or "" for the automatic choice."""
        text = self.model_combo.currentText().strip()
        if text == automatic_label():
            return ""
        index = self.model_combo.currentIndex()
        if index > 0 and self.model_combo.itemText(index) == text:
            data = self.model_combo.itemData(index)
            if data:
                return str(data)  # a listed model: its folder
        return text

    def is_automatic(self) -> bool:
        return not self.model_text()

    def update_model_note(self, *_args) -> None:
        """State the rule that picks the model, with the listed models per band count."""
        if not self.is_automatic():
            bands = model_bands_of(self.chosen_model())
            self.model_note.setText(
                tr("Every raster is coded with this model (%n bands).", None, int(bands))
                if bands
                else tr("Every raster is coded with this model.")
            )
            return
        by_bands = self.models_by_bands()
        rule = tr("Model: automatic (by band count), the rasters' band count picks the model.")
        if by_bands:
            pairs = "; ".join(
                tr("%n bands: {names}", None, int(n)).format(names=", ".join(names))
                for n, names in sorted(by_bands.items())
            )
            rule = f"{rule} {pairs}"
        self.model_note.setText(rule)

    def models_by_bands(self) -> dict[int, list[str]]:
        """Listed model names by the number of bands they take."""
        found: dict[int, list[str]] = {}
        for model in self.models:
            bands = model_bands_of(model)
            if bands:
                found.setdefault(bands, []).append(str(model.get("name") or model.get("path")))
        return found

    def chosen_model(self) -> dict[str, Any] | None:
        """The listed model the model field names (by name or folder), or ``{"path": folder}``
        for a package folder typed in; None when automatic or unknown."""
        text = self.model_text()
        if not text:
            return None
        for model in self.models:
            path = str(model.get("path") or "")
            names = {
                model.get("name"),
                model.get("model_id"),
                path,
                Path(path).name if path else None,
            }
            if text in names:
                return model
        if Path(text).expanduser().is_dir():
            return {"path": text}
        return None

    def update_qualities(self, *_args) -> None:
        """Fill the quality choice with the chosen model's rate points, its default selected;
        hidden for a model with one point; for an automatic model only its default point."""
        self.quality_combo.blockSignals(True)
        self.quality_combo.clear()
        automatic = self.is_automatic()
        points = [] if automatic else rate_points_of(self.chosen_model())
        if automatic:
            self.quality_combo.addItem(tr("the model's default"), None)
            self.quality_note.setText(
                tr("Automatic model: each raster is coded at its model's default quality.")
            )
        for point in points:
            self.quality_combo.addItem(quality_label(point), point["quality"])
            if point.get("default"):
                self.quality_combo.setCurrentIndex(self.quality_combo.count() - 1)
        if len(points) > 1:
            self.quality_note.setText(tr("1 = fewest bits. An archive keeps its quality."))
        self.quality_combo.blockSignals(False)
        self.quality_combo.setEnabled(len(points) > 1)
        visible = automatic or len(points) > 1
        self.quality_label.setVisible(visible)
        self.quality_box.setVisible(visible)

    def chosen_quality(self) -> int | None:
        """The rate point to send, or None for the model's default (nothing is sent then)."""
        if not self.quality_combo.isEnabled() or self.quality_combo.currentIndex() < 0:
            return None
        points = rate_points_of(self.chosen_model())
        quality = self.quality_combo.currentData()
        if quality is None or any(p.get("default") and p["quality"] == quality for p in points):
            return None
        return int(quality)

    def request(self) -> dict[str, Any]:
        """The ``compress`` parameters for what the panel shows (``QueryError`` if incomplete)."""
        return compress_params(
            self.source_edit.filePath().strip(),
            self.archive_edit.filePath().strip(),
            self.model_text(),
            self.bands_edit.text(),
            self.chosen_quality(),
        )

    def models_request(self) -> dict[str, Any]:
        """The ``models`` parameters: the folder of trained models is listed too."""
        folder = PluginSettings.load().models_folder
        return {"dirs": [folder]} if folder else {}

    def use_model(self, path: str) -> None:
        """Pick a newly trained package for the next compression (and list it)."""
        if not path:
            return
        index = self.model_combo.findData(path)
        if index < 0:
            self.model_combo.addItem(Path(path).name, path)
            index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)

    def refresh_models(self) -> EngineTask:
        def done(answer: Any) -> None:
            models = answer.get("models", answer) if isinstance(answer, dict) else answer
            current = self.model_text()
            self.models = [m for m in models or [] if isinstance(m, dict)]
            self.model_combo.blockSignals(True)
            self.model_combo.clear()
            self.model_combo.addItem(automatic_label(), "")
            for model in models or []:
                name = (
                    model.get("name") or model.get("model_id") if isinstance(model, dict) else model
                )
                path = model.get("path", "") if isinstance(model, dict) else ""
                self.model_combo.addItem(str(name), str(path or name))
            index = self.model_combo.findData(current) if current else 0
            if index >= 0:
                self.model_combo.setCurrentIndex(index)
            else:
                self.model_combo.setCurrentText(current)
            self.model_combo.blockSignals(False)
            self.update_qualities()
            self.update_model_note()

        params = self.models_request()
        return submit(
            EngineTask(
                tr("SCI-CBIR: listing models"),
                lambda context: self.engine.call("models", params, context.is_cancelled),
                done,
                lambda message, details: feedback.error(self.iface, message, details),
            )
        )

    def band_warning(self, scan: FolderScan, params: dict[str, Any]) -> str:
        """Why the chosen model cannot take some of the rasters, naming them; "" when all fit."""
        selected = len(params.get("bands") or []) or None
        if self.is_automatic():
            mismatched = band_mismatches(scan, None, selected)
            if mismatched:
                first = scan.readable[0]
                return (
                    tr(
                        "The automatic model is picked by the band count of the first raster "
                        "({name}: %n bands); one archive holds one model. These rasters have other "
                        "band counts and would lose bands or fail:",
                        None,
                        int(first.bands),
                    ).format(name=first.name)
                    + "\n"
                    + file_list(mismatched)
                )
            by_bands = self.models_by_bands()
            readable = scan.readable
            if by_bands and readable and not selected and readable[0].bands not in by_bands:
                return (
                    tr(
                        "No listed model takes %n bands ({available}). Choose the bands to use or "
                        "a model trained for these rasters:",
                        None,
                        int(readable[0].bands),
                    ).format(available=", ".join(str(n) for n in sorted(by_bands)))
                    + "\n"
                    + file_list(readable)
                )
            return ""
        model = self.chosen_model()
        bands = model_bands_of(model)
        if bands is None:
            return ""
        mismatched = band_mismatches(scan, bands, selected)
        if not mismatched:
            return ""
        name = (model or {}).get("name") or Path(self.model_text()).name
        return (
            tr(
                "The model '{model}' takes %n bands. These rasters have other band counts: their "
                "other bands would be dropped, or they would fail:",
                None,
                int(bands),
            ).format(model=name)
            + "\n"
            + file_list(mismatched)
        )

    def confirm(self, text: str) -> bool:
        """Ask whether to compress despite ``text``; a method so that tests can answer it."""
        answer = QMessageBox.warning(
            self,
            tr("SCI-CBIR: model and bands do not match"),
            text + "\n\n" + tr("Compress anyway?"),
            QMessageBox.Yes | QMessageBox.No,
            QMessageBox.No,
        )
        return answer == QMessageBox.Yes

    def compress(self) -> EngineTask | None:
        source = self.source_edit.filePath().strip()
        archive = self.archive_edit.filePath().strip()
        try:
            params = self.request()
        except QueryError as exc:
            feedback.warning(self.iface, str(exc))
            self.summary.setPlainText(str(exc))
            return None
        scan = scan_folder(source)
        if not scan.rasters:
            text = tr("Nothing to compress: {folder} holds no raster files.").format(folder=source)
            if scan.skipped:
                text += "\n" + tr("Skipped (not rasters):") + "\n" + file_list(scan.skipped)
            self.summary.setPlainText(text)
            feedback.warning(self.iface, text.split("\n")[0])
            return None
        warning = self.band_warning(scan, params)
        if warning:
            self.summary.setPlainText(warning)
            if not self.confirm(warning):
                feedback.warning(
                    self.iface,
                    tr("Not compressed: the model does not match the bands of some rasters."),
                )
                return None
        settings = PluginSettings.load()
        settings.archive = archive
        settings.last_source_folder = source
        settings.save()
        self._busy(True)
        self.progress.setValue(0)  # not the last run's 100 %
        self.summary.setPlainText(tr("Compressing {source}...").format(source=source))
        task = EngineTask(
            tr("SCI-CBIR: compressing {name}").format(name=Path(source).name),
            lambda context: self.engine.run_job(
                "compress", params, context.progress, context.is_cancelled
            ),
            lambda answer: self._done(archive, answer, scan.skipped),
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

    def _done(self, archive: str, answer: Any, skipped: list[str] | None = None) -> None:
        self._busy(False)
        self.progress.setValue(100)
        failures = failures_of(answer)
        if nothing_in(answer):
            # no layer: an empty footprints layer would look like a finished archive
            lines = [tr("Nothing was added to {archive}.").format(archive=archive)]
            if failures:
                lines.append(tr("These files could not be compressed:"))
                lines.extend(failures)
            if skipped:
                lines.append(tr("Skipped (not rasters):"))
                lines.append(file_list(skipped))
            self.summary.setPlainText("\n".join(lines))
            feedback.warning(
                self.iface,
                tr("Nothing was added to the archive; see the Archive tab for the skipped files."),
                failure_details(answer),
            )
            return
        lines = [tr("Finished: {archive}").format(archive=archive), *summary_lines(answer)]
        if failures:
            lines.append(tr("%n files failed:", None, len(failures)))
            lines.extend(failures)
        self.summary.setPlainText("\n".join(lines))
        self.archive_layer = add_archive_layer(QgsProject.instance(), archive, answer)
        if failures:
            feedback.warning(
                self.iface,
                tr("Archive written; %n files failed (see the Archive tab).", None, len(failures)),
                failure_details(answer),
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
