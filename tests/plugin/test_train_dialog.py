"""The training dialog: what it sends, the live view of progress, errors from the engine."""

from __future__ import annotations

import pytest

from .conftest import wait_for_task

pytestmark = pytest.mark.qgis


@pytest.fixture
def dialog(qgis_iface, qgis_new_project, plugin_settings, engine_session):
    from scicbir_qgis.ui.train_dialog import TrainDialog

    widget = TrainDialog(qgis_iface, None, engine_session)
    yield widget
    widget.close()


def test_dialog_sends_the_fields_the_engine_accepts(dialog, tmp_path):
    dialog.dataset_edit.setFilePath(str(tmp_path / "data"))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    dialog.epochs_spin.setValue(3)
    dialog.stage_checks[1].setChecked(False)
    params = dialog.params()
    assert params == {
        "dataset": str(tmp_path / "data"),
        "kind": "class-folder",
        "stages": [1, 3],
        "epochs": 3,
        "device": "auto",
        "output": str(tmp_path / "run"),
        "resume": True,
    }


def test_start_without_dataset_asks_for_it(dialog):
    assert dialog.start() is None
    assert "dataset folder" in dialog.status_label.text()


def test_progress_events_update_stage_epoch_and_curves(dialog):
    for step, (loss, psnr) in enumerate([(0.9, 18.0), (0.7, 20.5), (0.6, 22.0)]):
        dialog._on_progress(
            {
                "done": step + 1,
                "total": 10,
                "message": "training",
                "figures": {
                    "stage": 1,
                    "epoch": 1,
                    "step": step,
                    "loss_distortion": loss,
                    "val_psnr": psnr,
                    "lr": 1e-4,
                    "mgda_w1": 0.5,
                },
            }
        )
    assert dialog.progress.value() == 30
    assert dialog.status_label.text() == "stage 1, epoch 2: training"
    assert dialog.curves.series["val_psnr"] == [(1.0, 18.0), (2.0, 20.5), (3.0, 22.0)]
    assert dialog.curves.series["loss_distortion"][-1] == (3.0, 0.6)
    # stage/epoch go to the status line; settings such as the learning rate are not curves
    assert set(dialog.curves.series) == {"val_psnr", "loss_distortion"}
    image = dialog.curves.grab().toImage()
    assert not image.isNull()


def test_engine_refusal_is_shown_in_the_dialog(dialog, tmp_path, qgis_iface):
    from qgis.core import Qgis

    dialog.dataset_edit.setFilePath(str(tmp_path / "no-such-folder"))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    qgis_iface.messageBar().clear_messages()
    wait_for_task(dialog.start(), timeout=180)
    text = dialog.status_label.text()
    assert "no-such-folder" in text, text
    assert dialog.start_button.isEnabled() and not dialog.use_button.isEnabled()
    assert qgis_iface.messageBar().get_messages(Qgis.Critical)


def test_training_cancelled_in_the_engine_offers_resume(dialog, tmp_path, data_dir):
    """A real train job on a small class-folder dataset, cancelled at its first progress event."""
    from osgeo import gdal

    for name, scene in (("forest", "neon_OSBS_029.tif"), ("mountain", "rmnp-rgb.tif")):
        folder = tmp_path / "data" / name
        folder.mkdir(parents=True)
        for i in range(8):  # enough samples for the engine's train/validation split
            window = [64 * (i % 4), 64 * (i // 4), 64, 64]
            gdal.Translate(str(folder / f"{i}.tif"), str(data_dir / "rgb" / scene), srcWin=window)
    dialog.dataset_edit.setFilePath(str(tmp_path / "data"))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    dialog.resume_check.setChecked(False)
    task = dialog.start()
    task.progressEvent.connect(lambda event: dialog.cancel())
    wait_for_task(task, timeout=180)
    assert "Cancelled" in dialog.status_label.text(), dialog.status_label.text()
    assert dialog.resume_check.isChecked()
    assert dialog.start_button.isEnabled() and not dialog.cancel_button.isEnabled()
