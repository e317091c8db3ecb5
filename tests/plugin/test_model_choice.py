"""The Archive tab's model choice as analysts meet it: the model follows the rasters' bands, a
model that cannot take some rasters is named before anything starts, trained models are listed,
an empty run says so; progress starts from zero; a cancelled training run is not a failure.

Most tests use a stand-in engine (the panel and dialog take one), so that what the user sees can
be checked without coding real tiles.
"""

from __future__ import annotations

import shutil
import threading
from typing import Any

import pytest
from qgis.core import Qgis, QgsProject

from .conftest import wait_for_task, wait_until

pytestmark = pytest.mark.qgis

RGB = {"name": "scicbir-rgb-aid", "path": "/models/scicbir-rgb-aid", "bands": ["R", "G", "B"]}
S2 = {
    "name": "scicbir-s2-eurosat",
    "path": "/models/scicbir-s2-eurosat",
    "bands": [f"B{i:02d}" for i in range(1, 13)],
}


class StandInEngine:
    """Answers ``call`` and ``run_job`` like the engine session; a job can be held until
    ``release`` is set or the task is cancelled (then it ends as the engine's cancel does)."""

    def __init__(self, answers: dict[str, Any] | None = None, hold: bool = False) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, dict]] = []
        self.hold = hold
        self.release = threading.Event()

    def call(self, method, params=None, is_cancelled=None, timeout=0):
        self.calls.append((method, dict(params or {})))
        return self.answers.get(method, {})

    def run_job(self, method, params, on_progress=None, is_cancelled=None):
        from scicbir_qgis.core.engine import JobCancelledError

        self.calls.append((method, dict(params)))
        while self.hold and not self.release.wait(0.05):
            if is_cancelled is not None and is_cancelled():
                raise JobCancelledError(method)
        return self.answers.get(method, {})


@pytest.fixture
def mixed_folder(tmp_path, data_dir, small_rgb_folder):
    """A 13-band EuroSAT tile and a 3-band RGB crop side by side."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(data_dir / "eurosat" / "Forest_1031.tif", folder)
    shutil.copy(small_rgb_folder / "neon.tif", folder)
    return folder


def _panel(qgis_iface, engine, source, archive):
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    panel = ArchivePanel(qgis_iface, None, engine)
    panel.source_edit.setFilePath(str(source))
    panel.archive_edit.setFilePath(str(archive))
    return panel


def test_the_model_follows_the_bands_unless_one_is_picked(
    qgis_iface, qgis_new_project, plugin_settings, mixed_folder, tmp_path
):
    engine = StandInEngine()
    panel = _panel(qgis_iface, engine, mixed_folder, tmp_path / "archive")
    # the default choice is the rule, shown in the panel; no model is sent
    assert panel.model_combo.currentText() == "automatic (by band count)"
    assert panel.is_automatic() and "model" not in panel.request()
    assert "automatic (by band count)" in panel.model_note.text()
    panel.models = [RGB, S2]
    panel.update_model_note()
    assert "3 bands: scicbir-rgb-aid" in panel.model_note.text()
    assert "12 bands: scicbir-s2-eurosat" in panel.model_note.text()
    # a picked model is sent for this compression
    panel.model_combo.setCurrentText("scicbir-rgb-aid")
    assert panel.request()["model"] == "scicbir-rgb-aid"
    assert "3 bands" in panel.model_note.text()


def test_a_model_that_cannot_take_some_rasters_is_named_before_starting(
    qgis_iface, qgis_new_project, plugin_settings, mixed_folder, tmp_path
):
    engine = StandInEngine({"compress": {"added": 2, "failed": 0, "sources": []}})
    panel = _panel(qgis_iface, engine, mixed_folder, tmp_path / "archive")
    panel.models = [RGB, S2]
    panel.model_combo.setCurrentText("scicbir-rgb-aid")
    asked: list[str] = []
    panel.confirm = lambda text: asked.append(text) or False
    assert panel.compress() is None
    assert engine.calls == [], "nothing may start before the user agreed"
    assert len(asked) == 1
    assert "'scicbir-rgb-aid' takes 3 bands" in asked[0]
    assert "Forest_1031.tif (13 bands)" in asked[0] and "neon.tif" not in asked[0]
    assert "Forest_1031.tif" in panel.summary.toPlainText()
    # the user goes on knowingly
    panel.confirm = lambda text: True
    wait_for_task(panel.compress())
    assert [method for method, _ in engine.calls] == ["compress"]

    # the automatic model is picked by the first raster's bands: the other count is named
    panel.model_combo.setCurrentIndex(0)
    asked.clear()
    panel.confirm = lambda text: asked.append(text) or False
    assert panel.compress() is None
    assert "Forest_1031.tif: 13 bands" in asked[0] and "neon.tif (3 bands)" in asked[0]

    # bands chosen by hand: only a model of another size is a mismatch
    panel.model_combo.setCurrentText("scicbir-rgb-aid")
    panel.bands_edit.setText("B04,B03,B02")
    asked.clear()
    wait_for_task(panel.compress())
    assert asked == []


def test_a_model_folder_typed_in_is_checked_from_its_package(
    qgis_iface, qgis_new_project, plugin_settings, mixed_folder, tmp_path, tiny_rgb_model
):
    panel = _panel(qgis_iface, StandInEngine(), mixed_folder, tmp_path / "archive")
    panel.model_combo.setCurrentText(str(tiny_rgb_model.path))
    asked: list[str] = []
    panel.confirm = lambda text: asked.append(text) or False
    assert panel.compress() is None
    assert "takes 3 bands" in asked[0] and "Forest_1031.tif (13 bands)" in asked[0]


def test_the_listing_asks_for_the_trained_models_folder_and_the_dialog_writes_there(
    qgis_iface, qgis_new_project, plugin_settings, tmp_path
):
    from scicbir_qgis.core.settings import PluginSettings
    from scicbir_qgis.ui.train_dialog import TrainDialog

    settings = PluginSettings.load()
    assert settings.models_folder.endswith("scicbir/models")  # default: in the QGIS profile
    settings.models_folder = str(tmp_path / "trained")
    settings.save()
    engine = StandInEngine({"models": {"models": [RGB, S2, {**RGB, "name": "my-forest"}]}})
    panel = _panel(qgis_iface, engine, tmp_path, tmp_path / "archive")
    wait_for_task(panel.refresh_models())
    assert engine.calls[-1] == ("models", {"dirs": [str(tmp_path / "trained")]})
    names = [panel.model_combo.itemText(i) for i in range(panel.model_combo.count())]
    assert names == [
        "automatic (by band count)",
        "scicbir-rgb-aid",
        "scicbir-s2-eurosat",
        "my-forest",
    ]
    assert panel.is_automatic()
    dialog = TrainDialog(qgis_iface, None, engine)
    assert dialog.output_edit.filePath().startswith(str(tmp_path / "trained") + "/rgb-8bit-")
    dialog.close()


@pytest.mark.slow  # engine restart: 5-20 s on 2 shared cores
def test_the_engine_lists_trained_models_with_the_shipped_ones(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, rate_point_model, tmp_path
):
    plugin_settings.models_folder = str(rate_point_model.path.parent)
    plugin_settings.save()
    panel = _panel(qgis_iface, engine_session, tmp_path, tmp_path / "archive")
    wait_for_task(panel.refresh_models(), timeout=300)
    names = {m.get("name") for m in panel.models}
    assert "test-rgb-rates" in names
    assert {"scicbir-rgb-aid", "scicbir-s2-eurosat"} <= names


def test_a_folder_without_rasters_adds_nothing_and_names_the_files(
    qgis_iface, qgis_new_project, plugin_settings, tmp_path
):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("field notes")
    (folder / "plots.csv").write_text("a,b\n")
    engine = StandInEngine()
    panel = _panel(qgis_iface, engine, folder, tmp_path / "archive")
    qgis_iface.messageBar().clear_messages()
    assert panel.compress() is None
    assert engine.calls == []
    text = panel.summary.toPlainText()
    assert "Nothing to compress" in text and "notes.txt" in text and "plots.csv" in text
    assert QgsProject.instance().mapLayers() == {}

    # files with raster names that the engine cannot read: it adds nothing, no layer appears
    (folder / "scan.tif").write_bytes(b"II*\x00 not a raster")
    engine.answers["compress"] = {
        "added": 0,
        "replaced": 0,
        "unchanged": 0,
        "failed": 1,
        "tiles": 0,
        "sources": [
            {"path": str(folder / "scan.tif"), "status": "failed", "error": "not a raster"}
        ],
    }
    wait_for_task(panel.compress())
    text = panel.summary.toPlainText()
    assert "Nothing was added" in text and "scan.tif: not a raster" in text and "notes.txt" in text
    assert panel.archive_layer is None and QgsProject.instance().mapLayers() == {}
    bar = qgis_iface.messageBar()
    assert not bar.get_messages(Qgis.Success)
    assert any("Nothing was added" in m for m in bar.get_messages(Qgis.Warning))


def test_a_new_compression_starts_its_progress_from_zero(
    qgis_iface, qgis_new_project, plugin_settings, small_rgb_folder, tmp_path
):
    engine = StandInEngine({"compress": {"added": 1, "sources": []}}, hold=True)
    panel = _panel(qgis_iface, engine, small_rgb_folder, tmp_path / "archive")
    panel.progress.setValue(100)  # the last run's end
    task = panel.compress()
    assert panel.progress.value() == 0
    engine.release.set()
    wait_for_task(task)
    assert panel.progress.value() == 100


def test_cancelled_training_ends_as_cancelled_not_failed(
    qgis_iface, qgis_new_project, plugin_settings, tmp_path
):
    from scicbir_qgis.ui.train_dialog import TrainDialog

    engine = StandInEngine(hold=True)
    dialog = TrainDialog(qgis_iface, None, engine)
    dialog.dataset_edit.setFilePath(str(tmp_path))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    dialog.progress.setValue(100)
    qgis_iface.messageBar().clear_messages()
    task = dialog.start()
    assert dialog.progress.value() == 0  # not the last run's 100 %
    ended: list[str] = []
    task.taskCompleted.connect(lambda: ended.append("completed"))
    task.taskTerminated.connect(lambda: ended.append("terminated"))
    wait_until(lambda: any(m == "train" for m, _ in engine.calls), 30)
    dialog.cancel()
    wait_for_task(task)
    wait_until(lambda: bool(ended), 10)
    # QGIS announces a terminated task as "Task failed"
    assert ended == ["completed"]
    assert "Cancelled" in dialog.status_label.text()
    assert dialog.start_button.isEnabled()
    assert not qgis_iface.messageBar().get_messages(Qgis.Critical)
    dialog.close()


def test_faiss_loader_lines_stay_out_of_the_log_tab(qgis_new_project):
    from qgis.core import QgsApplication

    from scicbir_qgis.core import engine, log

    seen: list[str] = []

    def record(message, tag, level):
        if tag == log.TAG:
            seen.append(message)

    QgsApplication.messageLog().messageReceived.connect(record)
    try:
        for line in (
            "INFO:faiss.loader:Loading faiss with AVX512 support.",
            "INFO:faiss.loader:Could not load library with AVX512 support due to:",
            "ModuleNotFoundError(\"No module named 'faiss.swigfaiss_avx512'\")",
            "INFO:faiss.loader:Successfully loaded faiss with AVX2 support.",
            "compress: 3 files",
        ):
            engine._log_stderr(line + "\n")
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(record)
    assert seen == ["compress: 3 files"]
