"""Query and results side by side: the same true colour, one stretch per source, result layers
kept apart from the query choice (also after reopening a project), result groups named apart."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import QgsMultiBandColorRenderer, QgsProject, QgsRasterLayer

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
    answer = {"results": [{"rank": 1, "distance": 0, "source": "/a/River.tif", "path": str(tile)}]}
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
    answer = {"results": [{"rank": 1, "distance": 0, "source": "/a/River.tif", "path": str(tile)}]}
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
