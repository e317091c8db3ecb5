"""Query and results side by side: the same true colour, one stretch per source, result layers
kept apart from the query choice (also after reopening a project), result groups named apart."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import QgsGeometry, QgsMultiBandColorRenderer, QgsProject, QgsRasterLayer

from .conftest import wait_for_task

pytestmark = pytest.mark.qgis


class SearchEngine:
    """Answers ``search`` with no results (what the panel does around it is under test)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def call(self, method, params=None, is_cancelled=None, timeout=0):
        self.calls.append(method)
        return {"results": []}


def _bands(layer):
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    return renderer.redBand(), renderer.greenBand(), renderer.blueBand()


def write_tile(path, values, dtype, x0=500000.0):
    """A 3-band 64 x 64 GeoTIFF (UTM 32N) holding ``values`` (3 x 64 x 64)."""
    types = {np.uint8: gdal.GDT_Byte, np.uint16: gdal.GDT_UInt16}
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 64, 64, 3, types[dtype])
    ds.SetGeoTransform((x0, 30.0, 0.0, 4000000.0, 0.0, -30.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    ds.SetProjection(srs.ExportToWkt())
    for band in range(3):
        ds.GetRasterBand(band + 1).WriteArray(values[band].astype(dtype))
    ds.FlushCache()
    ds = None
    return str(path)


def test_the_query_layer_is_drawn_like_the_results_and_can_be_restored(
    qgis_iface, qgis_new_project, plugin_settings, data_dir, tmp_path
):
    from scicbir_qgis.ui.search_panel import SearchPanel

    path = tmp_path / "Forest_1031.tif"
    shutil.copy(data_dir / "eurosat" / "Forest_1031.tif", path)  # 13 bands, B01 first
    query = QgsRasterLayer(str(path), "forest")
    QgsProject.instance().addMapLayer(query)
    before = _bands(query)
    assert before != (4, 3, 2)  # QGIS's default: the first three bands (false colour)
    engine = SearchEngine()
    panel = SearchPanel(qgis_iface, None, engine)
    panel.archive_edit.setFilePath(str(tmp_path))
    panel.layer_combo.setLayer(query)
    panel.set_region(QgsGeometry.fromRect(query.extent()), query.crs())
    assert not panel.restore_button.isEnabled()
    task = panel.search()
    # true colour as the results: B04, B03, B02
    assert _bands(query) == (4, 3, 2)
    assert panel.restore_button.isEnabled()
    wait_for_task(task)
    assert engine.calls == ["search"]
    # a second search keeps the style from before the first one
    wait_for_task(panel.search())
    assert panel.restore_query_style()
    assert _bands(query) == before
    assert not panel.restore_button.isEnabled()
    QgsProject.instance().removeAllMapLayers()


def test_8_bit_and_16_bit_results_get_their_own_stretch(qgis_new_project, tmp_path):
    from scicbir_qgis.core import results

    rng = np.random.default_rng(0)
    rgb_a = write_tile(tmp_path / "a.tif", rng.integers(20, 200, (3, 64, 64)), np.uint8)
    rgb_b = write_tile(tmp_path / "b.tif", rng.integers(90, 250, (3, 64, 64)), np.uint8, 502000)
    landsat = write_tile(tmp_path / "l.tif", rng.integers(7000, 12000, (3, 64, 64)), np.uint16)
    answer = {
        "results": [
            {"rank": 1, "tile_id": 1, "distance": 0, "source": "/data/aerial.tif", "path": rgb_a},
            {
                "rank": 2,
                "tile_id": 2,
                "distance": 1,
                "source": "/data/landsat8.tif",
                "path": landsat,
            },
            {"rank": 3, "tile_id": 3, "distance": 2, "source": "/data/aerial.tif", "path": rgb_b},
        ]
    }
    added = results.add_results(QgsProject.instance(), results.parse_results(answer))
    a, landsat_layer, b = added.rasters

    def stretch(layer):
        red = layer.renderer().redContrastEnhancement()
        return red.minimumValue(), red.maximumValue()

    # the Landsat tile is stretched over its own values, not 0..255 (nor the 8-bit over 12000)
    low, high = stretch(landsat_layer)
    assert 7000 <= low < 7500 and 11500 < high <= 12000
    # tiles of one source share one stretch: 2-98 % over both tiles' pixels
    assert stretch(a) == stretch(b)
    low, high = stretch(a)
    datasets = [gdal.Open(p) for p in (rgb_a, rgb_b)]  # kept open while their bands are read
    pooled = np.concatenate([ds.GetRasterBand(1).ReadAsArray().ravel() for ds in datasets])
    assert low == pytest.approx(np.percentile(pooled, 2), abs=2)
    assert high == pytest.approx(np.percentile(pooled, 98), abs=2)
    assert high <= 250


def test_result_tiles_are_not_offered_as_query_rasters(
    qgis_iface, qgis_new_project, plugin_settings, data_dir, tmp_path
):
    from scicbir_qgis.core import results
    from scicbir_qgis.ui.search_panel import SearchPanel

    project = QgsProject.instance()
    query = QgsRasterLayer(str(data_dir / "rgb" / "neon_OSBS_029.tif"), "neon")
    project.addMapLayer(query)
    tile = tmp_path / "tile.tif"
    shutil.copy(data_dir / "eurosat" / "River_1237.tif", tile)
    answer = {
        "results": [
            {"rank": 1, "tile_id": 1, "distance": 0, "source": "/a/River.tif", "path": str(tile)}
        ]
    }
    results.add_results(project, results.parse_results(answer))
    panel = SearchPanel(qgis_iface, None, SearchEngine())

    def offered():
        combo = panel.layer_combo
        return [combo.layer(i).name() for i in range(combo.count()) if combo.layer(i)]

    assert offered() == ["neon"]
    # results of a later search are left out as they arrive
    results.add_results(project, results.parse_results(answer), replace=False)
    assert offered() == ["neon"]

    # and after the project is saved and opened again, with a result tile chosen last time
    panel.layer_combo.setLayer(query)
    saved = tmp_path / "project.qgs"
    assert project.write(str(saved))
    project.clear()
    assert project.read(str(saved))
    assert offered() == ["neon"]
    assert (
        panel.layer_combo.currentLayer() is None
        or panel.layer_combo.currentLayer().name() == "neon"
    )
    panel.shutdown()
    project.removeAllMapLayers()


def test_kept_result_groups_have_their_own_names_and_the_older_is_switched_off(
    qgis_new_project, data_dir, tmp_path
):
    from scicbir_qgis.core import results

    project = QgsProject.instance()
    tile = tmp_path / "tile.tif"
    shutil.copy(data_dir / "eurosat" / "River_1237.tif", tile)
    answer = {
        "results": [
            {"rank": 1, "tile_id": 1, "distance": 0, "source": "/a/River.tif", "path": str(tile)}
        ]
    }
    first = results.add_results(project, results.parse_results(answer), query="neon")
    second = results.add_results(
        project, results.parse_results(answer), replace=False, query="neon"
    )
    third = results.add_results(project, results.parse_results(answer), replace=False, query="rmnp")
    names = [g.name() for g in results.result_groups(project)]
    assert len(set(names)) == 3
    assert names[0].startswith("Similar tiles: rmnp ")
    assert names[1].startswith("Similar tiles: neon ") and names[2].startswith(
        "Similar tiles: neon "
    )
    # only the newest set is visible, so "#1" labels of two sets are never drawn over each other
    assert third.group.itemVisibilityChecked()
    assert not second.group.itemVisibilityChecked() and not first.group.itemVisibilityChecked()
    # replacing removes every result group
    results.add_results(project, results.parse_results(answer), query="neon")
    assert len(results.result_groups(project)) == 1
