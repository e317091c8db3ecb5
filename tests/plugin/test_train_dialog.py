"""The training dialog: what it sends, the live view of progress, errors from the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import wait_for_task, wait_until

pytestmark = pytest.mark.qgis


@pytest.fixture
def dialog(qgis_iface, qgis_new_project, plugin_settings, engine_session):
    from scicbir_qgis.ui.train_dialog import TrainDialog

    widget = TrainDialog(qgis_iface, None, engine_session)
    yield widget
    widget.close()


def class_folders(root, files):
    """A class-folder dataset: one class per file, named by the file."""
    import shutil

    for file in files:
        (root / file.stem).mkdir(parents=True)
        shutil.copy(file, root / file.stem / file.name)
    return root


def _recipe_epochs(name: str) -> list[int]:
    """Epochs per stage of a shipped recipe, as the engine's configuration file gives them."""
    import yaml

    data = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "engine" / "configs" / name).read_text()
    )
    return [data[f"stage{i}"]["epochs"] for i in (1, 2, 3)]


def test_dialog_sends_the_fields_the_engine_accepts(dialog, tmp_path):
    wait_until(lambda: dialog._filled_from == "rgb-8bit", timeout=120)
    dialog.dataset_edit.setFilePath(str(tmp_path / "data"))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    dialog.epoch_spins[0].setValue(3)
    dialog.stage_checks[1].setChecked(False)
    params = dialog.params()
    assert params == {
        "recipe": "rgb-8bit",
        "dataset": str(tmp_path / "data"),
        "kind": "class-folder",
        "stages": [1, 3],
        "epochs": [3, *_recipe_epochs("default-rgb.yaml")[1:]],  # stage 1 changed, others: recipe
        "batch_size": 16,
        "max_steps_per_epoch": 500,
        "scale": "auto",  # not read yet (no such folder): the engine reads it
        "device": "auto",
        "output": str(tmp_path / "run"),
        "resume": True,
    }


def test_recipe_fills_the_schedule_and_the_detected_scale_goes_into_the_request(
    dialog, tmp_path, data_dir
):
    """RGB 8-bit on 8-bit rasters: /255; Sentinel-2 12-band on EuroSAT tiles: /10000; both read
    from the data by the engine and carried by the request."""
    wait_until(lambda: dialog._filled_from == "rgb-8bit", timeout=120)
    assert [spin.value() for spin in dialog.epoch_spins] == _recipe_epochs("default-rgb.yaml")
    assert (dialog.batch_spin.value(), dialog.steps_spin.value()) == (16, 500)
    assert not dialog.config_edit.isEnabled()

    rgb = class_folders(tmp_path / "rgb", sorted((data_dir / "rgb").glob("*.tif")))
    dialog.dataset_edit.setFilePath(str(rgb))
    dialog.output_edit.setFilePath(str(tmp_path / "run"))
    wait_until(lambda: dialog.scale_spin.value() > 0, timeout=120)
    assert dialog.scale_spin.value() == 255.0
    assert "uint8" in dialog.scale_label.text() and "8-bit" in dialog.scale_label.text()
    assert "2 samples" in dialog.dataset_label.text()
    params = dialog.params()
    assert params["recipe"] == "rgb-8bit" and params["dataset"] == str(rgb)
    assert (params["scale"], params["offset"]) == (255.0, 0.0)
    # two images cannot fill a batch of 16: warned before starting, not refused
    assert dialog.warning_label.isVisibleTo(dialog)
    assert "fewer than one batch" in dialog.warning_label.text()

    dialog.recipe_combo.setCurrentIndex(dialog.recipe_combo.findData("sentinel2-12band"))
    eurosat = class_folders(tmp_path / "eurosat", sorted((data_dir / "eurosat").glob("*.tif")))
    dialog.dataset_edit.setFilePath(str(eurosat))
    assert dialog.params()["scale"] == "auto"  # until the engine has read the new folder
    wait_until(
        lambda: dialog.scale_spin.value() > 0 and dialog._filled_from == "sentinel2-12band",
        timeout=120,
    )
    assert dialog.scale_spin.value() == 10000.0
    assert [spin.value() for spin in dialog.epoch_spins] == _recipe_epochs("default-sentinel2.yaml")
    params = dialog.params()
    assert params["recipe"] == "sentinel2-12band" and params["scale"] == 10000.0
    assert params["epochs"] == _recipe_epochs("default-sentinel2.yaml")
    assert params["max_steps_per_epoch"] == 0

    # the user may override the detected scale
    dialog.scale_spin.setValue(4095.0)
    assert dialog.params()["scale"] == 4095.0

    dialog.recipe_combo.setCurrentIndex(dialog.recipe_combo.findData("config-file"))
    assert dialog.config_edit.isEnabled()
    assert "recipe" not in dialog.params() and "config" not in dialog.params()


def test_size_warning_counts_passes_over_each_sample():
    from scicbir_qgis.ui.train_dialog import size_warning

    # AID (about 7000 training images) with the RGB recipe: 42 epochs, no warning
    assert size_warning(7000, 16, 500, [28, 4, 10], [1, 2, 3]) == ""
    assert "fewer than one batch (16)" in size_warning(10, 16, 500, [28, 4, 10], [1, 2, 3])
    text = size_warning(40, 16, 0, [300, 0, 0], [1])
    assert "about 240 times" in text and "600 steps" in text
    assert size_warning(40, 16, 0, [300, 0, 0], [2, 3]) == ""  # stage 1 not run


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


def test_training_on_an_archive_without_labels_switches_its_codes(
    dialog, tmp_path, small_rgb_folder, tiny_rgb_model
):
    """The dialog's "Train on this archive (no labels)" runs the engine's train.archive job on a
    real archive: curves arrive, the archive uses the new model's codes, its streams stay."""
    from scicbir.archive.compress import compress_folder
    from scicbir.archive.store import Archive
    from scicbir_qgis.ui.train_dialog import ARCHIVE_NO_LABELS

    archive = tmp_path / "archive"
    compress_folder(small_rgb_folder, archive, str(tiny_rgb_model.path))
    with Archive.open(archive, read_only=True) as opened:
        ids, codes_before, _ = opened.catalog.codes()
        before = opened.model.model_id
    dialog.recipe_combo.setCurrentIndex(dialog.recipe_combo.findData(ARCHIVE_NO_LABELS))
    assert dialog.archive_edit.isVisible() or not dialog.isVisible()
    assert not dialog.dataset_edit.isVisibleTo(dialog) and dialog.archive_edit.isVisibleTo(dialog)
    dialog.archive_edit.setFilePath(str(archive))
    dialog.ssl_steps_spin.setValue(60)
    dialog.output_edit.setFilePath(str(tmp_path / "adapted"))
    assert dialog.params() == {
        "archive": str(archive),
        "steps": 60,
        "device": "auto",
        "output": str(tmp_path / "adapted"),
    }
    wait_for_task(dialog.start(), timeout=300)
    text = dialog.status_label.text()
    assert "now uses the codes of" in text, text
    assert dialog.new_model == str((tmp_path / "adapted").resolve())
    assert dialog.use_button.isEnabled()
    assert dialog._step > 0  # progress events came; the curves got the logged figures
    assert "view_agreement" in dialog.curves.series and "code_balance" in dialog.curves.series
    with Archive.open(archive, read_only=True) as opened:
        ids_after, codes_after, _ = opened.catalog.codes()
        assert opened.model.model_id != before
    assert list(ids_after) == list(ids) and (codes_after != codes_before).any()
