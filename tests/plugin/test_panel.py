"""The dock panel as a user meets it: tabs, settings, drawing a region, input checks."""

from __future__ import annotations

import shutil
import sys

import pytest
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsGeometry,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt

from .conftest import wait_for_task, wait_until

pytestmark = pytest.mark.qgis


@pytest.fixture
def dock(qgis_iface, qgis_new_project, plugin_settings, engine_session):
    from scicbir_qgis.ui.dock import SciCbirDock

    widget = SciCbirDock(qgis_iface, qgis_iface.mainWindow(), engine_session)
    qgis_iface.messageBar().clear_messages()
    yield widget
    widget.shutdown()
    widget.deleteLater()


@pytest.fixture
def canvas_on_raster(qgis_iface, data_dir):
    layer = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    canvas = qgis_iface.mapCanvas()
    canvas.resize(400, 400)
    canvas.setDestinationCrs(layer.crs())
    canvas.setLayers([layer])
    canvas.setExtent(layer.extent())
    canvas.refresh()
    yield canvas, layer
    QgsProject.instance().removeAllMapLayers()


def _mouse(canvas, kind, x, y, button=Qt.LeftButton):
    buttons = Qt.NoButton if kind == QEvent.MouseButtonRelease else button
    return QgsMapMouseEvent(canvas, kind, QPoint(x, y), button, buttons, Qt.NoModifier)


def test_dock_has_search_archive_train_tabs_with_help(dock):
    assert [dock.tabs.tabText(i) for i in range(dock.tabs.count())] == [
        "Search",
        "Archive",
        "Train",
    ]
    assert "Draw a rectangle" in dock.search_panel.findChild(object, "searchHelp").text()


def test_settings_dialog_saves_values_that_the_panel_then_uses(dock, tmp_path):
    from scicbir_qgis.core.settings import PluginSettings

    dialog = dock.open_settings()
    dialog.form.archive_edit.setFilePath(str(tmp_path))
    dialog.form.k_spin.setValue(7)
    dialog.accept()
    stored = PluginSettings.load()
    assert stored.archive == str(tmp_path) and stored.k == 7
    from scicbir_qgis.ui.search_panel import SearchPanel

    panel = SearchPanel(dock.iface, None, dock.engine)
    assert panel.archive_edit.filePath() == str(tmp_path)
    assert panel.k_spin.value() == 7


def test_options_page_factory_makes_the_same_form(qgis_new_project, plugin_settings):
    from scicbir_qgis.ui.settings_widget import SettingsPageFactory

    factory = SettingsPageFactory()
    assert factory.title() == "SCI-CBIR"
    page = factory.createWidget(None)
    page.form.k_spin.setValue(33)
    page.apply()
    from scicbir_qgis.core.settings import PluginSettings

    assert PluginSettings.load().k == 33


def test_rectangle_drawn_with_the_mouse_becomes_the_query_region(dock, canvas_on_raster):
    canvas, layer = canvas_on_raster
    panel = dock.search_panel
    panel.activate_tool("rectangle")
    assert canvas.mapTool() is panel.map_tool
    tool = panel.map_tool
    tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, 100, 100))
    tool.canvasMoveEvent(_mouse(canvas, QEvent.MouseMove, 200, 250))
    tool.canvasReleaseEvent(_mouse(canvas, QEvent.MouseButtonRelease, 200, 250))
    assert panel.region is not None
    assert panel.region_crs == layer.crs()
    box = panel.region.boundingBox()
    to_map = canvas.getCoordinateTransform()
    corner_a, corner_b = to_map.toMapCoordinates(100, 100), to_map.toMapCoordinates(200, 250)
    assert box.xMinimum() == pytest.approx(min(corner_a.x(), corner_b.x()))
    assert box.xMaximum() == pytest.approx(max(corner_a.x(), corner_b.x()))
    assert box.yMinimum() == pytest.approx(min(corner_a.y(), corner_b.y()))
    assert box.yMaximum() == pytest.approx(max(corner_a.y(), corner_b.y()))
    assert box.width() > 0 and box.height() / box.width() == pytest.approx(1.5, rel=1e-6)
    # the rubber band keeps showing the region
    assert tool.rubber_band.asGeometry().boundingBox() == box
    assert "m" in panel.region_label.text()


def test_polygon_needs_three_vertices_and_ends_with_right_click(dock, canvas_on_raster):
    canvas, _ = canvas_on_raster
    panel = dock.search_panel
    panel.activate_tool("polygon")
    tool = panel.map_tool
    for x, y in ((50, 50), (300, 60)):
        tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, x, y))
    tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, 0, 0, Qt.RightButton))
    assert panel.region is None, "two vertices are not a polygon"
    for x, y in ((50, 50), (300, 60), (200, 300)):
        tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, x, y))
    tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, 0, 0, Qt.RightButton))
    assert panel.region is not None
    assert panel.region.type() == 2  # polygon
    assert len(panel.region.asPolygon()[0]) == 4  # closed ring of three vertices


def test_search_without_archive_or_region_explains_what_is_missing(dock, canvas_on_raster):
    panel = dock.search_panel
    panel.archive_edit.setFilePath("")
    assert panel.search() is None
    assert "archive folder" in panel.status_label.text()
    bar = dock.iface.messageBar()
    assert any("archive folder" in m for m in bar.get_messages(Qgis.Warning))


def test_search_without_region_asks_to_draw_one(dock, canvas_on_raster, tmp_path):
    panel = dock.search_panel
    panel.archive_edit.setFilePath(str(tmp_path))
    panel.layer_combo.setLayer(canvas_on_raster[1])
    assert panel.search() is None
    assert "Draw a region" in panel.status_label.text()


def test_region_in_another_crs_is_sent_with_its_crs(dock, canvas_on_raster, tmp_path):
    from qgis.core import QgsGeometry

    from scicbir_qgis.core.queries import search_params

    _, layer = canvas_on_raster
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    region = QgsGeometry.fromRect(QgsRectangle(-82.0, 29.6, -81.9, 29.7))
    params = search_params(str(tmp_path), layer, region, wgs84, 5, tmp_path)
    assert params["crs"] == "EPSG:4326"
    assert params["raster"].endswith("neon_OSBS_029.tif")
    assert params["geometry"].startswith("Polygon")
    assert params["k"] == 5
    assert params["out"].endswith(".gpkg")


def test_help_button_shows_the_help_page(dock):
    dialog = dock.open_help()
    browser = dialog.findChild(object, "helpBrowser")
    text = browser.toPlainText()
    assert "Hamming distance" in text and "Similar tiles" in text
    dialog.close()


def test_panel_warns_at_once_when_the_engine_python_is_missing(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, tmp_path
):
    from scicbir_qgis.ui.dock import SciCbirDock

    plugin_settings.engine_python = str(tmp_path / "missing" / "python")
    plugin_settings.save()
    widget = SciCbirDock(qgis_iface, None, engine_session)
    assert not widget.engine_warning.isHidden()
    assert "scripts/setup.sh" in widget.engine_warning.text()
    plugin_settings.engine_python = sys.executable
    plugin_settings.save()
    widget.refresh_engine_warning()
    assert widget.engine_warning.isHidden()


def test_a_newly_trained_model_is_picked_for_the_next_compression_only(dock):
    from scicbir_qgis.core.settings import PluginSettings
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    dialog = dock.train_panel.open_dialog()
    dialog.new_model = "/models/my-forest-model"
    dialog.use_model()
    assert dock.archive_panel.model_combo.currentText() == "my-forest-model"
    assert dock.archive_panel.model_text() == "/models/my-forest-model"
    assert "my-forest-model" in dock.train_panel.model_label.text()
    dialog.close()
    # nothing pinned: a panel opened later follows the rasters' bands again
    assert not hasattr(PluginSettings.load(), "model")
    later = ArchivePanel(dock.iface, None, dock.engine)
    assert later.is_automatic()
    assert later.model_combo.currentText() == "automatic (by band count)"


def test_shutdown_removes_the_region_from_the_canvas(dock, canvas_on_raster):
    canvas, layer = canvas_on_raster
    panel = dock.search_panel
    panel.set_region(QgsGeometry.fromRect(layer.extent()), layer.crs())
    band = panel.map_tool.rubber_band
    assert band.scene() is canvas.scene()
    dock.shutdown()
    assert band.scene() is None


def test_rate_points_become_quality_entries_with_the_default_marked(rate_point_model):
    from scicbir_qgis.ui.archive_panel import quality_label, rate_points_of

    # as the engine lists them
    summary = {
        "name": "m",
        "quality": 2,
        "rate_points": [
            {"quality": 2, "bpp": 0.61, "psnr": 27.3, "lmbda": 0.01, "default": True},
            {"quality": 1, "bpp": 0.35, "psnr": 24.1, "lmbda": 0.001, "default": False},
        ],
    }
    points = rate_points_of(summary)
    assert [quality_label(p) for p in points] == [
        "1 — 0.35 bpp, 24.1 dB",
        "2 — 0.61 bpp, 27.3 dB (default)",
    ]
    assert rate_points_of({"name": "m", "rate_points": []}) == []
    assert rate_points_of(None) == []
    # a summary without them (or a folder typed in): read from the package
    points = rate_points_of({"path": str(rate_point_model.path)})
    assert [(p["quality"], p["default"]) for p in points] == [(1, False), (2, True), (3, False)]
    assert quality_label(points[0]) == "1 — 0.35 bpp, 24.1 dB"


@pytest.mark.slow  # engine restart and real coding: 10-40 s on 2 shared cores
def test_archive_tab_lists_a_models_rate_points_and_sends_the_chosen_quality(
    dock, engine_with_rate_model, tiny_rgb_model, small_rgb_folder, tmp_path
):
    panel = dock.archive_panel
    source = tmp_path / "rasters"
    source.mkdir()
    shutil.copy(small_rgb_folder / "neon.tif", source)  # 2 x 2 tiles
    archive = tmp_path / "archive"
    panel.source_edit.setFilePath(str(source))
    panel.archive_edit.setFilePath(str(archive))

    # automatic model: the default point, said so
    panel.model_combo.setCurrentText("")
    assert not panel.quality_box.isHidden() and not panel.quality_combo.isEnabled()
    assert panel.quality_combo.count() == 1
    assert "default" in panel.quality_combo.currentText()
    assert "default quality" in panel.quality_note.text()
    assert "quality" not in panel.request()

    # a model with one point: no choice
    panel.model_combo.setCurrentText(str(tiny_rgb_model.path))
    assert panel.quality_box.isHidden() and panel.quality_label.isHidden()
    assert "quality" not in panel.request()

    # the engine's listing: the model's three points, the default pre-selected
    panel.models = []
    panel.refresh_models()
    wait_until(lambda: any(m.get("name") == "test-rgb-rates" for m in panel.models))
    panel.model_combo.setCurrentText("test-rgb-rates")
    combo = panel.quality_combo
    assert not panel.quality_box.isHidden() and combo.isEnabled()
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "1 — 0.35 bpp, 24.1 dB",
        "2 — 0.61 bpp, 27.3 dB (default)",
        "3 — 1.12 bpp, 30.8 dB",
    ]
    assert combo.currentData() == 2
    assert "quality" not in panel.request()  # the default is not sent
    combo.setCurrentIndex(0)
    assert panel.request()["quality"] == 1

    task = panel.compress()
    wait_for_task(task, timeout=300)
    assert "Finished" in panel.summary.toPlainText(), panel.summary.toPlainText()
    info = dock.engine.call("archive.info", {"archive": str(archive)})
    assert info["model"]["model_id"] == "test-rgb-rates"
    assert info["model"]["quality"] == 1


def test_escape_clears_the_drawing_and_the_region(dock, canvas_on_raster, tmp_path):
    from qgis.PyQt.QtGui import QKeyEvent

    canvas, layer = canvas_on_raster
    panel = dock.search_panel
    panel.archive_edit.setFilePath(str(tmp_path))
    panel.layer_combo.setLayer(layer)
    panel.activate_tool("rectangle")
    tool = panel.map_tool
    tool.canvasPressEvent(_mouse(canvas, QEvent.MouseButtonPress, 100, 100))
    tool.canvasReleaseEvent(_mouse(canvas, QEvent.MouseButtonRelease, 200, 250))
    assert panel.region is not None
    tool.keyPressEvent(QKeyEvent(QEvent.KeyPress, Qt.Key_Escape, Qt.NoModifier))
    assert tool.rubber_band.asGeometry().isEmpty()
    assert panel.region is None and panel.region_label.text() == "no region drawn"
    # a later Search asks for a region instead of querying the invisible one
    assert panel.search() is None
    assert "Draw a region" in panel.status_label.text()


def test_an_approximate_search_says_how_much_it_finds(dock):
    """A very large archive is searched through an inverted file; the answer's measured
    recall reaches the user in the status line."""
    panel = dock.search_panel
    panel._show_results({"archive": "/data/archive", "results": [], "index_recall": 0.97}, "", True)
    assert "97%" in panel.status_label.text()
    panel._show_results({"archive": "/data/archive", "results": []}, "", True)
    assert "%" not in panel.status_label.text()
