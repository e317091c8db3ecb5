"""QGIS loads the plugin through classFactory; the packaged zip installs into a profile."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis


def test_metadata_has_fields_the_plugin_repository_requires(repo_root):
    parser = configparser.ConfigParser()
    parser.read(repo_root / "metadata.txt", encoding="utf-8")
    general = parser["general"]
    for key in (
        "name",
        "description",
        "about",
        "version",
        "qgisMinimumVersion",
        "author",
        "email",
        "repository",
        "tracker",
        "homepage",
        "license",
        "tags",
        "icon",
    ):
        assert general.get(key), f"metadata.txt lacks {key}"
    assert general["qgisMinimumVersion"] == "3.22"
    assert (repo_root / general["icon"]).is_file()


def test_class_factory_adds_toolbar_button_and_opens_panel(qgis_iface, qgis_new_project):
    import scicbir_qgis

    qgis_iface.mainWindow().show()
    plugin = scicbir_qgis.classFactory(qgis_iface)
    plugin.initGui()
    try:
        assert plugin.action is not None
        assert not plugin.action.icon().isNull()
        plugin.action.setChecked(True)
        assert plugin.dock is not None and plugin.dock.isVisible()
        assert plugin.dock.tabs.count() == 3
        plugin.action.setChecked(False)
        assert not plugin.dock.isVisible()
    finally:
        plugin.unload()
    assert plugin.dock is None


CHECK_SCRIPT = """
import json, sys, qgis.utils
from qgis.PyQt.QtCore import QTimer
from qgis.core import QgsApplication

def check():
    plugin = qgis.utils.plugins.get("scicbir_qgis")
    result = {
        "active": list(qgis.utils.active_plugins),
        "module_file": getattr(sys.modules.get("scicbir_qgis"), "__file__", None),
    }
    if plugin is not None:
        plugin.action.setChecked(True)
        result["dock_visible"] = plugin.dock.isVisible()
    with open(RESULT, "w") as handle:
        json.dump(result, handle)
    QgsApplication.exit(0)

QTimer.singleShot(2000, check)
"""


@pytest.mark.skipif(
    shutil.which("qgis") is None or shutil.which("xvfb-run") is None,
    reason="needs the qgis executable and xvfb-run (scripts/setup.sh)",
)
def test_packaged_zip_installs_into_a_profile_and_qgis_loads_it(repo_root, tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            str(repo_root / "scripts" / "build_plugin.py"),
            "zip",
            "--dist",
            str(dist),
        ],
        check=True,
        capture_output=True,
    )
    archive = dist / "scicbir_qgis.zip"
    profile = tmp_path / "profiles" / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        assert "scicbir_qgis/metadata.txt" in zf.namelist()
        zf.extractall(plugins)
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text(
        "[PythonPlugins]\nscicbir_qgis=true\n[qgis]\ncheckVersion=false\n"
    )
    result_file = tmp_path / "result.json"
    script = tmp_path / "check.py"
    script.write_text(f"RESULT = {str(result_file)!r}\n" + CHECK_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    completed = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "qgis",
            "--profiles-path",
            str(tmp_path / "profiles"),
            "--nologo",
            "--noversioncheck",
            "--code",
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result_file.is_file(), completed.stderr[-2000:]
    result = json.loads(result_file.read_text())
    assert "scicbir_qgis" in result["active"]
    assert Path(result["module_file"]).is_relative_to(plugins)
    assert result["dock_visible"] is True
