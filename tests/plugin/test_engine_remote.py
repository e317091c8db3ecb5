"""The plugin with an engine command instead of a Python (as for an engine on a GPU box): the
settings form takes the command and the path mapping, "Check engine" starts the command and
reports it, the command's stderr reaches the SCI-CBIR log tab, and a path the engine cannot see
is worded with the mapping to fix."""

from __future__ import annotations

import shlex
import socket
import sys
from pathlib import Path

import pytest

from .conftest import wait_for_task, wait_until

SCICBIR = str(Path(sys.executable).parent / "scicbir")


@pytest.fixture
def own_session():
    """An engine session of this test alone (the shared one keeps its local Python)."""
    from scicbir_qgis.core.engine import EngineSession

    session = EngineSession()
    yield session
    session.stop()


def test_settings_form_stores_a_command_and_path_mappings(qgis_new_project, plugin_settings):
    from scicbir_qgis.core.settings import PluginSettings
    from scicbir_qgis.ui.settings_widget import SettingsForm

    command = "ssh -p 2222 gpu-box '/opt/sci cbir/.venv/bin/scicbir' serve"
    form = SettingsForm(None)
    assert "ssh gpu-box" in form.engine_help.text()
    form.python_edit.setFilePath(command)
    form.add_path_pair("/home/me/archives", "/mnt/archives")
    form.add_path_pair("", "")  # an empty row is not a mapping
    form.add_path_pair("/home/me/rasters", "/data/rasters")
    form.apply()

    stored = PluginSettings.load()
    assert stored.engine_python == command and stored.engine_is_command
    assert stored.engine_command().argv[-2:] == ("/opt/sci cbir/.venv/bin/scicbir", "serve")
    assert stored.engine_path_map == [
        ("/home/me/archives", "/mnt/archives"),
        ("/home/me/rasters", "/data/rasters"),
    ]
    assert stored.path_map().to_remote("/home/me/rasters/x.tif") == "/data/rasters/x.tif"

    again = SettingsForm(None)
    assert again.python_edit.filePath() == command
    assert again.path_pairs() == stored.engine_path_map
    again.mapping_table.selectRow(0)
    again.remove_selected_pairs()
    assert again.path_pairs() == [("/home/me/rasters", "/data/rasters")]


def test_check_engine_reports_a_command_engine_and_its_stderr_reaches_the_log(
    qgis_new_project, plugin_settings, own_session
):
    from qgis.core import QgsApplication

    from scicbir_qgis.core.log import TAG
    from scicbir_qgis.ui.settings_widget import SettingsForm

    logged: list[str] = []

    def received(message, tag, level):
        if tag == TAG:
            logged.append(message)

    QgsApplication.messageLog().messageReceived.connect(received)
    # a command line (run without a shell) that writes to stderr, then serves the protocol
    command = shlex.join(["sh", "-c", f"echo engine-side-line >&2; exec {SCICBIR} serve"])
    form = SettingsForm(None, own_session)
    form.python_edit.setFilePath(command)
    try:
        form.check_engine()
        wait_for_task(form.check_task, timeout=300)
        text = form.check_label.text()
        assert text.startswith("OK"), text
        assert "through the command" in text and socket.gethostname() in text
        assert f"{SCICBIR} serve" in text
        wait_until(lambda: "engine-side-line" in logged, 30)
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(received)


def test_check_engine_refuses_a_wrong_mapping_before_starting(qgis_new_project, plugin_settings):
    from scicbir_qgis.ui.settings_widget import SettingsForm

    form = SettingsForm(None)
    form.add_path_pair("relative/folder", "/mnt/data")
    form.check_engine()
    assert "path mapping" in form.check_label.text() and "absolute" in form.check_label.text()
    assert form.check_task is None and form.check_button.isEnabled()


def test_a_path_the_engine_cannot_see_is_worded_with_the_mapping(
    qgis_new_project, plugin_settings, own_session, tmp_path
):
    from scicbir_qgis.engine_client import RemotePathError

    here_only = tmp_path / "usb-disk"
    here_only.mkdir()
    (here_only / "a.tif").write_bytes(b"not read: the engine cannot see it")
    plugin_settings.engine_python = f"{SCICBIR} serve"
    plugin_settings.engine_path_map = [(str(here_only), str(tmp_path / "not-mounted"))]
    plugin_settings.save()
    with pytest.raises(RemotePathError) as err:
        own_session.run_job(
            "compress", {"input": str(here_only), "archive": str(tmp_path / "archive")}
        )
    text = err.value.message
    assert str(here_only) in text and str(tmp_path / "not-mounted") in text
    assert "Path mapping" in text and "Settings > Options > SCI-CBIR" in text
