"""Engine errors worded by the plugin from their codes, in the user's language, and counts with
Qt's plural forms ("1 Datei", "3 Dateien")."""

from __future__ import annotations

import contextlib

import pytest
from qgis.core import Qgis, QgsGeometry, QgsProject, QgsRasterLayer

from .conftest import wait_for_task

pytestmark = pytest.mark.qgis


@contextlib.contextmanager
def plugin_language(qgis_iface, locale: str):
    """The plugin loaded as QGIS loads it with ``locale`` (its translator installed)."""
    from qgis.core import QgsSettings

    import scicbir_qgis

    settings = QgsSettings()
    previous = settings.value("locale/userLocale")
    settings.setValue("locale/userLocale", locale)
    plugin = scicbir_qgis.classFactory(qgis_iface)
    try:
        yield plugin
    finally:
        plugin.unload()
        if previous is None:
            settings.remove("locale/userLocale")
        else:
            settings.setValue("locale/userLocale", previous)


def test_an_engine_error_code_is_worded_in_german(qgis_iface, qgis_new_project):
    from scicbir_qgis.core.messages import engine_message
    from scicbir_qgis.engine_client import EngineError
    from scicbir_qgis.tasks.engine_task import EngineTask

    engine_text = (
        "the region does not overlap /data/neon.tif, whose extent is 0, 0, 1, 1; draw the "
        "region over the raster or check --crs"
    )
    data = {"reason": "region_outside_raster", "file": "/data/neon.tif", "extent": [0, 0, 1, 1]}

    def work(context):
        raise EngineError("invalid_input", engine_text, data, "search")

    got: list[tuple[str, str]] = []
    with plugin_language(qgis_iface, "de_DE"):
        task = EngineTask("t", work, lambda _: None, lambda m, d: got.append((m, d)))
        assert task.run() is False
        task.finished(False)
        message, details = got[0]
        assert message.startswith("Die gezeichnete Region überlappt das Anfrageraster neon.tif")
        assert "--crs" not in message
        assert engine_text in details and "invalid_input" in details
        # unknown codes and reasons fall back to the engine's own text
        assert engine_message("some_new_code", "engine words", {"reason": "new"}) == "engine words"
        assert engine_message("busy", "x", {}).startswith("Eine andere Aufgabe")
    assert engine_message("invalid_input", engine_text, data).startswith(
        "The drawn region does not overlap the query raster neon.tif"
    )


def test_real_engine_error_reaches_the_message_bar_in_german(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, data_dir, tmp_path
):
    from scicbir_qgis.ui.search_panel import SearchPanel

    layer = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    QgsProject.instance().addMapLayer(layer)
    bar = qgis_iface.messageBar()
    with plugin_language(qgis_iface, "de_DE"):
        panel = SearchPanel(qgis_iface, None, engine_session)
        panel.archive_edit.setFilePath(str(tmp_path))  # an empty folder is not an archive
        panel.layer_combo.setLayer(layer)
        panel.set_region(QgsGeometry.fromRect(layer.extent()), layer.crs())
        bar.clear_messages()
        wait_for_task(panel.search(), timeout=180)
        messages = bar.get_messages(Qgis.Critical)
    assert len(messages) == 1
    assert f"Der Ordner {tmp_path} ist kein SCI-CBIR-Archiv" in messages[0]
    assert "scicbir compress" not in messages[0], "no command line in the message"
    QgsProject.instance().removeAllMapLayers()


def _summary(failed: int) -> dict:
    sources = [
        {"path": f"/data/bad{i}.tif", "status": "failed", "error": "not a raster"}
        for i in range(failed)
    ] + [{"path": "/data/good.tif", "status": "added", "tiles": 4}]
    return {
        "sources": sources, "added": 1, "replaced": 0, "unchanged": 0, "failed": failed,
        "tiles": 4, "seconds": 1.0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "one", "three"),
    [
        ("de_DE", "1 Datei fehlgeschlagen:", "3 Dateien fehlgeschlagen:"),
        ("en_GB", "1 file failed:", "3 files failed:"),
    ],
)
def test_counts_take_the_plural_form_of_the_language(
    locale, one, three, qgis_iface, qgis_new_project, plugin_settings, engine_session, tmp_path
):
    from scicbir_qgis.core.i18n import tr
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    with plugin_language(qgis_iface, locale):
        assert tr("%n files failed:", None, 1) == one
        assert tr("%n files failed:", None, 3) == three
        panel = ArchivePanel(qgis_iface, None, engine_session)
        for failed, expected in ((1, one), (3, three)):
            panel._done(str(tmp_path), _summary(failed))
            assert expected in panel.summary.toPlainText()
        panel.shutdown()
    german = locale == "de_DE"
    with plugin_language(qgis_iface, locale):
        text = tr("%n similar tiles, best distance {d:g} (lower is more similar).", None, 1)
        assert text.format(d=3) == (
            "1 ähnliche Kachel, beste Distanz 3 (kleiner ist ähnlicher)."
            if german
            else "1 similar tile, best distance 3 (lower is more similar)."
        )


def test_an_archive_of_an_earlier_model_version_is_told_how_to_move(qgis_iface, qgis_new_project):
    """The engine's ``hashing_part_changed`` (a default model updated under the same name):
    the message gives the one command that moves the archive, in the user's language."""
    from scicbir_qgis.core.messages import engine_message

    data = {
        "reason": "hashing_part_changed",
        "archive": "/data/archive",
        "archive_model": "scicbir-rgb-aid",
        "given_model": "scicbir-rgb-aid",
    }
    command = "scicbir archive rehash /data/archive --model scicbir-rgb-aid"
    english = engine_message("model_mismatch", "engine words", data)
    assert command in english and english.startswith("The archive /data/archive holds")
    with plugin_language(qgis_iface, "de_DE"):
        german = engine_message("model_mismatch", "engine words", data)
    assert command in german and german.startswith("Das Archiv /data/archive enthält")
