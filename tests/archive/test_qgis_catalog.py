"""The catalog opens in QGIS as a valid layer with the tiles' footprints."""

from __future__ import annotations

import pytest

from scicbir.archive import Archive


@pytest.mark.qgis
def test_catalog_is_a_valid_qgis_layer_with_the_footprints(rgb_archive, qgis_app):
    from qgis.core import QgsCoordinateReferenceSystem, QgsVectorLayer

    folder, _ = rgb_archive
    with Archive.open(folder) as archive:
        tiles = {t.id: t for t in archive.tiles()}
    layer = QgsVectorLayer(f"{folder / 'catalog.gpkg'}|layername=tiles", "tiles", "ogr")
    try:
        assert layer.isValid()
        assert layer.crs() == QgsCoordinateReferenceSystem("EPSG:4326")
        assert layer.featureCount() == len(tiles)
        names = layer.fields().names()
        for column in ("source_path", "hash_hex", "bits", "bpp", "psnr", "model_id", "crs"):
            assert column in names
        seen = 0
        for feature in layer.getFeatures():
            tile = tiles[feature.id()]
            box = feature.geometry().boundingBox()
            xs = [x for x, _ in tile.footprint]
            ys = [y for _, y in tile.footprint]
            assert box.xMinimum() == pytest.approx(min(xs)) and box.xMaximum() == pytest.approx(
                max(xs)
            )
            assert box.yMinimum() == pytest.approx(min(ys)) and box.yMaximum() == pytest.approx(
                max(ys)
            )
            assert feature["hash_hex"] == tile.hash_hex
            seen += 1
        assert seen == len(tiles)
        # Landsat (UTM 21S, Argentina), RMNP (Colorado), BigEarthNet (UTM 33N, Europe): one layer
        extent = layer.extent()
        assert extent.xMinimum() < -100 and extent.xMaximum() > 10 and extent.yMinimum() < -20
    finally:
        del layer
