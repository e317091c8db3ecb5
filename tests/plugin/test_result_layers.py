"""Result tiles on the map: group, order, names, CRS, extent, rendering, zoom across CRSs."""

from __future__ import annotations

import shutil

import pytest
from osgeo import gdal
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsLayerTreeGroup,
    QgsMultiBandColorRenderer,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

pytestmark = pytest.mark.qgis


@pytest.fixture
def decoded_tiles(tmp_path, data_dir):
    """Three real GeoTIFF tiles standing in for decoded results (EuroSAT 13-band, UTM)."""
    names = ["Forest_1031.tif", "River_1237.tif", "AnnualCrop_1227.tif"]
    paths = []
    for name in names:
        target = tmp_path / name
        shutil.copy(data_dir / "eurosat" / name, target)
        paths.append(str(target))
    return paths


def _engine_answer(paths):
    # ranks deliberately out of order: the layers must still be ordered by rank
    return {
        "results": [
            {
                "rank": 2,
                "tile_id": 11,
                "distance": 3,
                "source": "/a/River_1237.tif",
                "path": paths[1],
            },
            {
                "rank": 1,
                "tile_id": 10,
                "distance": 0,
                "source": "/a/Forest_1031.tif",
                "path": paths[0],
            },
            {
                "rank": 3,
                "tile_id": 12,
                "distance": 5,
                "source": "/a/AnnualCrop.tif",
                "path": paths[2],
            },
        ]
    }


def _gdal_extent(path):
    ds = gdal.Open(path)
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    return x0, y0 + dy * ds.RasterYSize, x0 + dx * ds.RasterXSize, y0


def test_results_become_a_group_of_valid_layers_ordered_by_rank(qgis_new_project, decoded_tiles):
    from scicbir_qgis.core import results

    project = QgsProject.instance()
    tiles = results.parse_results(_engine_answer(decoded_tiles))
    added = results.add_results(project, tiles)
    group = project.layerTreeRoot().children()[0]
    assert isinstance(group, QgsLayerTreeGroup) and group.name().startswith("Similar tiles: ")
    assert results.result_groups(project) == [group]
    layers = [node.layer() for node in group.findLayers()]
    assert [layer.customProperty("scicbir/rank") for layer in layers] == [1, 2, 3]
    assert layers[0].name() == "#1 Forest_1031 (distance 0)"
    assert layers[1].name() == "#2 River_1237 (distance 3)"
    for layer, path in zip(
        layers, [decoded_tiles[0], decoded_tiles[1], decoded_tiles[2]], strict=True
    ):
        assert layer.isValid()
        epsg = gdal.Open(path).GetSpatialRef().GetAuthorityCode(None)
        assert layer.crs().authid() == f"EPSG:{epsg}"
        expected = _gdal_extent(path)
        rect = layer.extent()
        got = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
        assert got == pytest.approx(expected)
        # true colour from the Sentinel-2 band order: B04, B03, B02
        renderer = layer.renderer()
        assert isinstance(renderer, QgsMultiBandColorRenderer)
        assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (4, 3, 2)
    # one stretch per source (three sources here): each tile's range lies within its values
    for layer in added.rasters:
        red = layer.renderer().redContrastEnhancement()
        stats = layer.dataProvider().bandStatistics(4)
        assert stats.minimumValue <= red.minimumValue() < red.maximumValue() <= stats.maximumValue
    assert added.missing == []


def test_a_new_search_replaces_or_keeps_previous_results(qgis_new_project, decoded_tiles):
    from scicbir_qgis.core import results

    project = QgsProject.instance()
    tiles = results.parse_results(_engine_answer(decoded_tiles))
    results.add_results(project, tiles)
    results.add_results(project, tiles[:1], replace=True)
    groups = results.result_groups(project)
    assert len(groups) == 1 and len(groups[0].findLayers()) == 1
    assert len(project.mapLayers()) == 1
    results.add_results(project, tiles, replace=False)
    groups = results.result_groups(project)
    assert [len(g.findLayers()) for g in groups] == [3, 1]


def test_unreadable_result_file_is_reported_not_added(qgis_new_project, decoded_tiles, tmp_path):
    from scicbir_qgis.core import results

    broken = tmp_path / "broken.tif"
    broken.write_bytes(b"not a tiff")
    answer = _engine_answer(decoded_tiles)
    answer["results"][2]["path"] = str(broken)
    added = results.add_results(QgsProject.instance(), results.parse_results(answer))
    assert [t.rank for t in added.missing] == [3]
    assert len(added.rasters) == 2


def test_footprints_layer_is_styled_by_rank_with_labels(qgis_new_project, decoded_tiles, tmp_path):
    from scicbir_qgis.core import results

    memory = QgsVectorLayer(
        "Polygon?crs=EPSG:32632&field=rank:integer&field=distance:double", "fp", "memory"
    )
    features = []
    for rank, path in enumerate(decoded_tiles, start=1):
        x0, y0, x1, y1 = _gdal_extent(path)
        feature = QgsFeature(memory.fields())
        feature.setGeometry(
            QgsGeometry.fromWkt(f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))")
        )
        feature.setAttributes([rank, float(rank)])
        features.append(feature)
    memory.dataProvider().addFeatures(features)
    gpkg = tmp_path / "footprints.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV2(
        memory, str(gpkg), QgsProject.instance().transformContext(), options
    )
    tiles = results.parse_results(_engine_answer(decoded_tiles))
    added = results.add_results(QgsProject.instance(), tiles, str(gpkg))
    footprints = added.footprints
    assert footprints is not None and footprints.isValid()
    assert footprints.featureCount() == 3
    assert footprints.renderer().type() == "graduatedSymbol"
    assert footprints.renderer().classAttribute() == "rank"
    assert footprints.labelsEnabled()
    # footprints are drawn above the tiles
    assert added.group.findLayers()[0].layer() is footprints


def test_clicking_a_result_zooms_a_canvas_in_another_crs(
    qgis_new_project, qgis_canvas, decoded_tiles
):
    from scicbir_qgis.core import results

    tiles = results.parse_results(_engine_answer(decoded_tiles))
    added = results.add_results(QgsProject.instance(), tiles)
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    qgis_canvas.setDestinationCrs(wgs84)
    layer = added.rasters[0]
    rect = results.zoom_to(qgis_canvas, layer)
    # the tile (UTM, 640 m) lies inside the new extent, in degrees
    tile_in_wgs84 = results.extent_in(layer, wgs84)
    assert rect.contains(tile_in_wgs84)
    assert 0 < rect.width() < 0.1
    assert -180 < rect.center().x() < 180 and -90 < rect.center().y() < 90
