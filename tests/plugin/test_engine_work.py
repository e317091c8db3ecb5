"""The panel's long work with the real engine: compress a folder, search a region, cancel.

A tiny random RGB model (tile 64) keeps this fast; the archive is built from the committed RGB
samples by the Archive tab's own code path.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
)

from .conftest import wait_for_task, wait_until

pytestmark = pytest.mark.qgis


@pytest.fixture
def rgb_folder(small_rgb_folder):
    return small_rgb_folder


def _compress(panel, source, archive, model):
    panel.source_edit.setFilePath(str(source))
    panel.archive_edit.setFilePath(str(archive))
    panel.model_combo.setCurrentText(str(model))
    return panel.compress()


@pytest.mark.slow  # 10-40 s on 2 shared cores (engine start, real coding)
def test_compress_task_writes_the_archive_and_adds_its_footprints(
    qgis_iface,
    qgis_new_project,
    plugin_settings,
    engine_session,
    rgb_folder,
    tmp_path,
    tiny_rgb_model,
):
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    source = tmp_path / "rasters"
    shutil.copytree(rgb_folder, source)
    (source / "broken.tif").write_bytes(b"II*\x00 this is not a raster")
    panel = ArchivePanel(qgis_iface, None, engine_session)
    archive = tmp_path / "archive"
    qgis_iface.messageBar().clear_messages()
    task = _compress(panel, source, archive, tiny_rgb_model.path)
    wait_for_task(task, timeout=300)
    layer = panel.archive_layer
    assert layer is not None and layer.isValid(), panel.summary.toPlainText()
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    # 128 x 128 and 192 x 128 pixels on a 64-pixel grid: 2 x 2 + 3 x 2 tiles
    assert layer.featureCount() == 4 + 6
    assert layer.crs().authid() == "EPSG:4326"
    summary = panel.summary.toPlainText()
    assert "tiles written: 10" in summary
    # the corrupt file is named with the engine's reason and did not stop the others
    assert "1 files failed:" in summary and "broken.tif" in summary
    from qgis.core import Qgis

    assert any("1 files failed" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))
    assert panel.progress.value() == 100
    assert panel.compress_button.isEnabled()


@pytest.mark.slow  # 10-40 s on 2 shared cores (engine start, real coding)
def test_cancel_stops_compress_and_running_again_completes_it(
    qgis_iface,
    qgis_new_project,
    plugin_settings,
    engine_session,
    rgb_folder,
    tmp_path,
    tiny_rgb_model,
    data_dir,
):
    from scicbir_qgis.ui.archive_panel import ArchivePanel

    panel = ArchivePanel(qgis_iface, None, engine_session)
    archive = tmp_path / "archive"
    # enough sources that the job is still running when the cancel arrives, however fast the
    # machine codes the first batch
    source = tmp_path / "rasters"
    source.mkdir()
    copies = 8
    for i in range(copies):
        for file in sorted(rgb_folder.glob("*.tif")):
            shutil.copy(file, source / f"copy{i}_{file.name}")
    cancelled = []
    task = _compress(panel, source, archive, tiny_rgb_model.path)
    task.progressEvent.connect(lambda event: task.cancel())
    original = task.on_cancelled
    task.on_cancelled = lambda: (cancelled.append(True), original())
    wait_for_task(task, timeout=300)
    assert cancelled, "the job ran to its end instead of stopping"
    assert "Cancelled" in panel.summary.toPlainText()
    assert panel.compress_button.isEnabled() and not panel.cancel_button.isEnabled()
    # the engine is still there and the same command continues where it stopped
    task = _compress(panel, source, archive, tiny_rgb_model.path)
    wait_for_task(task, timeout=300)
    assert panel.archive_layer is not None
    tiles = panel.archive_layer.featureCount()
    ids = [f.id() for f in panel.archive_layer.getFeatures()]
    assert len(set(ids)) == tiles
    assert tiles == copies * (4 + 6)


@pytest.fixture(scope="session")
def rgb_archive(tmp_path_factory, small_rgb_folder, engine_session, tiny_rgb_model, engine_python):
    archive = tmp_path_factory.mktemp("search") / "archive"
    rgb_folder = small_rgb_folder
    client = engine_session.client(engine_python)
    job = client.start_job(
        "compress",
        {"input": str(rgb_folder), "archive": str(archive), "model": str(tiny_rgb_model.path)},
    )
    client.wait_job(job, timeout=300)
    return archive


def test_search_from_the_panel_adds_k_valid_tiles_with_crs_and_extent(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, rgb_archive, rgb_folder
):
    from scicbir_qgis.core.results import result_groups
    from scicbir_qgis.ui.search_panel import SearchPanel

    query = QgsRasterLayer(str(rgb_folder / "neon.tif"), "neon")
    assert query.isValid()
    QgsProject.instance().addMapLayer(query)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(rgb_archive))
    panel.layer_combo.setLayer(query)
    panel.k_spin.setValue(5)
    # the region is drawn on a Web Mercator canvas: the engine gets it with its CRS
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    extent = query.extent()
    quarter = QgsRectangle(
        extent.xMinimum(),
        extent.yMinimum(),
        extent.xMinimum() + extent.width() / 3,
        extent.yMinimum() + extent.height() / 3,
    )
    transform = QgsCoordinateTransform(query.crs(), mercator, QgsProject.instance())
    panel.set_region(QgsGeometry.fromRect(transform.transformBoundingBox(quarter)), mercator)
    wait_for_task(panel.search(), timeout=300)
    assert panel.last_result is not None, panel.status_label.text()
    groups = result_groups(QgsProject.instance())
    assert len(groups) == 1 and groups[0].name().startswith("Similar tiles: neon ")
    rasters = panel.last_result.rasters
    assert len(rasters) == 5
    assert [r.customProperty("scicbir/rank") for r in rasters] == [1, 2, 3, 4, 5]
    distances = [r.customProperty("scicbir/distance") for r in rasters]
    assert distances == sorted(distances)
    sources = {
        "EPSG:32617": QgsRasterLayer(str(rgb_folder / "neon.tif"), "a"),
        "EPSG:4326": QgsRasterLayer(str(rgb_folder / "rmnp.tif"), "b"),
    }
    for layer in rasters:
        assert layer.isValid()
        assert layer.width() == 64 and layer.height() == 64
        source = sources[layer.crs().authid()]
        # a decoded tile is a 64-pixel window of its source, on the source's pixel grid
        assert layer.rasterUnitsPerPixelX() == pytest.approx(source.rasterUnitsPerPixelX())
        assert source.extent().intersects(layer.extent())
    assert panel.last_result.footprints is not None
    assert panel.last_result.footprints.featureCount() == 5
    assert panel.results_list.count() == 5
    assert not panel.results_list.item(0).icon().isNull()
    # the drawn region stays visible
    assert not panel.map_tool.rubber_band.asGeometry().isEmpty()
    # clicking a result zooms the canvas (in Web Mercator here) to it
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(mercator)
    panel.results_list.itemClicked.emit(panel.results_list.item(1))
    from scicbir_qgis.core.results import extent_in

    assert canvas.extent().contains(extent_in(rasters[1], mercator))
    assert canvas.extent().width() < 10 * extent_in(rasters[1], mercator).width()
    QgsProject.instance().removeAllMapLayers()


def test_a_running_search_can_be_cancelled(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, rgb_archive, rgb_folder
):
    from scicbir_qgis.ui.search_panel import SearchPanel

    query = QgsRasterLayer(str(rgb_folder / "rmnp.tif"), "rmnp")
    QgsProject.instance().addMapLayer(query)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(rgb_archive))
    panel.layer_combo.setLayer(query)
    panel.set_region(QgsGeometry.fromRect(query.extent()), query.crs())
    task = panel.search()
    panel.cancel()
    wait_for_task(task, timeout=120)
    wait_until(panel.search_button.isEnabled, 5)
    assert panel.status_label.text() == "Search cancelled."
    assert panel.last_result is None
    QgsProject.instance().removeAllMapLayers()


def test_relevance_feedback_from_the_panel_reranks_the_results(
    qgis_iface, qgis_new_project, plugin_settings, engine_session, rgb_archive, rgb_folder
):
    """Mark results in the list, press Refine: the engine re-ranks the archive from the marks
    (search.refine) and the result layers and the list show the new ranking with the marks."""
    from scicbir_qgis.core.results import result_groups
    from scicbir_qgis.ui.search_panel import TILE_ROLE, SearchPanel

    query = QgsRasterLayer(str(rgb_folder / "neon.tif"), "neon")
    QgsProject.instance().addMapLayer(query)
    panel = SearchPanel(qgis_iface, None, engine_session)
    panel.archive_edit.setFilePath(str(rgb_archive))
    panel.layer_combo.setLayer(query)
    panel.k_spin.setValue(6)
    extent = query.extent()
    corner = QgsRectangle(
        extent.xMinimum(),
        extent.yMinimum(),
        extent.xMinimum() + extent.width() / 3,
        extent.yMinimum() + extent.height() / 3,
    )
    panel.set_region(QgsGeometry.fromRect(corner), query.crs())
    assert not panel.refine_button.isEnabled()
    wait_for_task(panel.search(), timeout=300)
    assert panel.results_list.count() == 6, panel.status_label.text()
    before = [panel.results_list.item(i).data(TILE_ROLE) for i in range(6)]
    assert all(isinstance(t, int) for t in before)
    liked, disliked = before[-1], before[0]
    panel.results_list.item(5).setSelected(True)
    panel.mark_selected(True)
    panel.results_list.clearSelection()
    panel.results_list.item(0).setSelected(True)
    panel.mark_selected(False)
    assert panel.results_list.item(5).text().startswith("✔ ")
    assert panel.results_list.item(0).text().startswith("✘ ")
    assert panel.refine_button.isEnabled()

    wait_for_task(panel.refine(), timeout=300)
    after = [panel.results_list.item(i).data(TILE_ROLE) for i in range(panel.results_list.count())]
    assert len(after) == 6, panel.status_label.text()
    assert after != before
    assert after.index(liked) < 5, "the relevant result moved up"
    assert disliked not in after or after.index(disliked) > 0, "the irrelevant one moved down"
    marked = {panel.results_list.item(i).data(TILE_ROLE): panel.results_list.item(i).text()
              for i in range(len(after))}  # fmt: skip
    assert marked[liked].startswith("✔ "), "marks stay on the tiles across rounds"
    groups = result_groups(QgsProject.instance())
    assert len(groups) == 1 and "(refined)" in groups[0].name()
    ranks = [r.customProperty("scicbir/rank") for r in panel.last_result.rasters]
    assert ranks == list(range(1, 7))
    assert "Refined from 2 marked results" in panel.status_label.text()
    QgsProject.instance().removeAllMapLayers()


def test_a_cancelled_query_stops_waiting_and_the_engine_goes_on(
    engine_session, small_rgb_folder, tiny_rgb_model, tmp_path, data_dir
):
    """Cancel of a search from the plugin: the engine is told (``cancel`` with the request id),
    the call raises at once without a waiting thread of its own, and the engine answers the
    next request as usual."""
    from scicbir.archive.compress import compress_folder
    from scicbir_qgis.core.engine import JobCancelledError

    archive = tmp_path / "archive"
    compress_folder(small_rgb_folder, archive, str(tiny_rgb_model.path))
    query = {"archive": str(archive), "raster": str(data_dir / "rgb" / "neon_OSBS_029.tif")}
    engine_session.call("hello")  # the engine and its reader threads run before counting
    threads = threading.active_count()
    started = time.monotonic()
    with pytest.raises(JobCancelledError):
        engine_session.call("search", query, is_cancelled=lambda: True)
    assert time.monotonic() - started < 5
    assert threading.active_count() <= threads
    answer = engine_session.call("search", {**query, "k": 3})
    assert len(answer["results"]) == 3
