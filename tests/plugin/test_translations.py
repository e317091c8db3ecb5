"""German translation: complete, compiled, and chosen from QGIS's locale."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.qgis


def _sources(ts_path):
    tree = ET.parse(ts_path)
    return {m.find("source").text: m.find("translation") for m in tree.iter("message")}


def test_every_german_string_is_translated(repo_root):
    messages = _sources(repo_root / "i18n" / "scicbir_de.ts")
    assert len(messages) > 100
    unfinished = [s for s, t in messages.items() if t.get("type") == "unfinished" or not t.text]
    assert unfinished == []
    assert (repo_root / "i18n" / "scicbir_de.qm").is_file()


@pytest.mark.skipif(shutil.which("pylupdate5") is None, reason="needs pylupdate5 (pyqt5-dev-tools)")
def test_the_catalogue_holds_every_string_the_code_shows(repo_root, tmp_path):
    sources = sorted(
        str(p) for p in (repo_root / "scicbir_qgis").rglob("*.py") if "engine_client" not in p.parts
    )
    fresh = tmp_path / "fresh.ts"
    subprocess.run(["pylupdate5", *sources, "-ts", str(fresh)], check=True, capture_output=True)
    missing = set(_sources(fresh)) - set(_sources(repo_root / "i18n" / "scicbir_de.ts"))
    assert missing == set(), "run pylupdate5 and translate these (see docs/plugin.md)"


def test_plugin_speaks_german_when_qgis_does(qgis_iface, qgis_new_project):
    from qgis.core import QgsSettings

    import scicbir_qgis
    from scicbir_qgis.core.i18n import tr

    settings = QgsSettings()
    previous = settings.value("locale/userLocale")
    settings.setValue("locale/userLocale", "de_DE")
    plugin = scicbir_qgis.classFactory(qgis_iface)
    try:
        plugin.initGui()
        assert tr("Search") == "Suche"
        assert plugin.action.text() == "SCI-CBIR-Bedienfeld"
        plugin.set_panel_visible(True)
        tabs = plugin.dock.tabs
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["Suche", "Archiv", "Training"]
    finally:
        plugin.unload()
        if previous is None:
            settings.remove("locale/userLocale")
        else:
            settings.setValue("locale/userLocale", previous)
    assert tr("Search") == "Search"
