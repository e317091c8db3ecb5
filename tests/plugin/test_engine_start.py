"""Starting the engine from the plugin: the check button, and the first-run message when the
engine's Python is missing or broken (no traceback for the user)."""

from __future__ import annotations

import stat

import pytest
from qgis.core import Qgis, QgsGeometry, QgsProject, QgsRasterLayer, QgsRectangle

from .conftest import wait_for_task, wait_until

pytestmark = pytest.mark.qgis


def _broken_python(tmp_path):
    """An interpreter that starts but cannot run the engine (as when scicbir is not installed)."""
    script = tmp_path / "python"
    script.write_text('#!/bin/sh\necho "No module named scicbir" >&2\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_engine_that_cannot_start_gives_the_first_run_message(
    kind, qgis_iface, qgis_new_project, plugin_settings, engine_session, data_dir, tmp_path
):
    from scicbir_qgis.ui.search_panel import SearchPanel

    python = str(tmp_path / "nowhere" / "python") if kind == "missing" else _broken_python(tmp_path)
    plugin_settings.engine_python = python
    plugin_settings.save()
    layer = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    QgsProject.instance().addMapLayer(layer)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(tmp_path))
    panel.layer_combo.setLayer(layer)
    panel.set_region(QgsGeometry.fromRect(layer.extent()), layer.crs())
    bar = qgis_iface.messageBar()
    bar.clear_messages()
    wait_for_task(panel.search(), timeout=60)
    messages = bar.get_messages(Qgis.Critical)
    assert len(messages) == 1
    text = messages[0]
    assert python in text
    assert "scripts/setup.sh" in text and "Settings > Options > SCI-CBIR" in text
    assert "Traceback" not in text
    assert panel.search_button.isEnabled(), "the panel is usable again"
    QgsProject.instance().removeAllMapLayers()


def test_check_engine_shows_versions_and_device(qgis_new_project, plugin_settings, engine_session):
    from scicbir_qgis.ui.settings_widget import SettingsForm

    form = SettingsForm(None, engine_session)
    assert form.python_edit.filePath() == plugin_settings.engine_python
    form.check_engine()
    wait_for_task(form.check_task, timeout=180)
    text = form.check_label.text()
    assert text.startswith("OK"), text
    assert "engine 0." in text and "device cpu" in text and "torch 2." in text


def test_check_engine_with_a_broken_python_says_what_to_do(
    qgis_new_project, plugin_settings, engine_session, tmp_path
):
    from scicbir_qgis.ui.settings_widget import SettingsForm

    form = SettingsForm(None, engine_session)
    form.python_edit.setFilePath(_broken_python(tmp_path))
    form.check_engine()
    wait_for_task(form.check_task, timeout=60)
    wait_until(form.check_button.isEnabled, 5)
    assert "could not be started" in form.check_label.text()
    assert "scripts/setup.sh" in form.check_label.text()


def test_region_outside_raster_is_an_engine_error_in_the_message_bar(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, data_dir, tmp_path
):
    """A user mistake answered by the real engine ends in a readable message, not a trace."""
    from scicbir_qgis.ui.search_panel import SearchPanel

    layer = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    QgsProject.instance().addMapLayer(layer)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(tmp_path))  # an empty folder is not an archive
    panel.layer_combo.setLayer(layer)
    far = QgsRectangle(0, 0, 10, 10)
    panel.set_region(QgsGeometry.fromRect(far), layer.crs())
    bar = qgis_iface.messageBar()
    bar.clear_messages()
    wait_for_task(panel.search(), timeout=180)
    messages = bar.get_messages(Qgis.Critical)
    assert len(messages) == 1
    assert "Traceback" not in messages[0]
    assert str(tmp_path) in messages[0] or "archive" in messages[0].lower()
    QgsProject.instance().removeAllMapLayers()


def _spy_bar(monkeypatch, bar) -> list[tuple]:
    """Record every pushMessage call with all its arguments (the mock bar keeps only the text)."""
    calls: list[tuple] = []
    original = bar.pushMessage

    def spy(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(bar, "pushMessage", spy)
    return calls


@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_engine_start_error_has_its_full_text_behind_the_details_button(
    kind, monkeypatch, qgis_iface, qgis_new_project, plugin_settings, engine_session, data_dir,
    tmp_path,
):  # fmt: skip
    """The message bar's details (QGIS's "More" button) hold the whole story: interpreter,
    cause, the engine's own output and the log tab; the advice is given once."""
    from scicbir_qgis.ui.search_panel import SearchPanel

    python = str(tmp_path / "nowhere" / "python") if kind == "missing" else _broken_python(tmp_path)
    plugin_settings.engine_python = python
    plugin_settings.save()
    layer = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    QgsProject.instance().addMapLayer(layer)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(tmp_path))
    panel.layer_combo.setLayer(layer)
    panel.set_region(QgsGeometry.fromRect(layer.extent()), layer.crs())
    calls = _spy_bar(monkeypatch, qgis_iface.messageBar())
    wait_for_task(panel.search(), timeout=60)
    assert len(calls) == 1
    title, message, details, level = calls[0][:4]
    assert level == Qgis.Critical
    assert message.count("Settings > Options > SCI-CBIR") == 1, "the advice is not repeated"
    assert message in details and python in details
    assert "SCI-CBIR tab of the log panel" in details
    if kind == "broken":
        assert "No module named scicbir" in details, "the engine's output is in the details"
    else:
        assert "does not exist" in details
    QgsProject.instance().removeAllMapLayers()


def test_check_engine_failure_opens_its_whole_text(
    qgis_new_project, plugin_settings, engine_session, tmp_path
):
    from qgis.PyQt.QtWidgets import QPlainTextEdit

    from scicbir_qgis.ui.settings_widget import SettingsForm

    form = SettingsForm(None, engine_session)
    assert form.details_button.isHidden()
    broken = _broken_python(tmp_path)
    form.python_edit.setFilePath(broken)
    form.check_engine()
    wait_for_task(form.check_task, timeout=60)
    wait_until(form.check_button.isEnabled, 5)
    assert not form.details_button.isHidden()
    dialog = form.show_details()
    text = dialog.findChild(QPlainTextEdit, "checkEngineDetailsText").toPlainText()
    assert form.check_label.text() in text
    assert broken in text and "No module named scicbir" in text
    assert "SCI-CBIR tab of the log panel" in text
    dialog.close()


def test_first_run_message_of_a_zip_install_names_no_repository_folder(monkeypatch, tmp_path):
    from scicbir_qgis.core import engine

    checkout = engine.first_run_message("/usr/bin/python3", "no scicbir")
    assert "scripts/setup.sh" in checkout and checkout.count("Engine Python") == 1
    monkeypatch.setattr(engine, "PLUGIN_DIR", tmp_path / "plugins" / "scicbir_qgis")
    zipped = engine.first_run_message("/usr/bin/python3", "no scicbir")
    assert "setup.sh" not in zipped and "SCI-CBIR folder" not in zipped
    assert zipped.count("Engine Python") == 1 and "package scicbir" in zipped


def test_panel_warns_when_the_engine_python_has_no_engine(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, tmp_path
):
    """A default python3 without the engine is named when the panel opens, not at the first
    action."""
    import shutil

    from scicbir_qgis.ui.dock import SciCbirDock

    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3")
    plugin_settings.engine_python = python
    plugin_settings.save()
    dock = SciCbirDock(qgis_iface, None, engine_session)
    try:
        wait_until(lambda: not dock.engine_warning.isHidden(), 30)
        text = dock.engine_warning.text()
        assert python in text and "no scicbir package" in text
    finally:
        dock.shutdown()
        dock.deleteLater()
