"""The Processing algorithms run through ``processing.run`` with the real engine."""

from __future__ import annotations

import shutil

import pytest
from qgis.core import QgsApplication, QgsProcessingException, QgsRasterLayer, QgsVectorLayer

pytestmark = pytest.mark.qgis


@pytest.fixture
def provider(qgis_processing, plugin_settings):
    from scicbir_qgis.core.engine import session
    from scicbir_qgis.processing_provider.provider import SciCbirProvider

    registry = QgsApplication.processingRegistry()
    provider = SciCbirProvider()
    registry.addProvider(provider)
    yield provider
    registry.removeProvider(provider)
    session().stop()


def test_provider_lists_the_three_algorithms(provider):
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == ["scicbir:compressfolder", "scicbir:decodetiles", "scicbir:searchregion"]
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString()


def test_decode_refuses_ids_that_are_not_numbers(provider, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="whole numbers"):
        processing.run(
            "scicbir:decodetiles",
            {"ARCHIVE": str(tmp_path), "TILES": "3, x", "OUTPUT": str(tmp_path / "out")},
        )


def test_compress_search_and_decode_through_processing_run(
    provider, tmp_path, data_dir, tiny_rgb_model
):
    import processing

    source = tmp_path / "rasters"
    source.mkdir()
    shutil.copy(data_dir / "rgb" / "neon_OSBS_029.tif", source)
    archive = tmp_path / "archive"
    compressed = processing.run(
        "scicbir:compressfolder",
        {"INPUT": str(source), "ARCHIVE": str(archive), "MODEL": str(tiny_rgb_model.path)},
    )
    assert compressed["TILES"] == 49 and compressed["FAILED"] == 0
    catalog = QgsVectorLayer(compressed["CATALOG"] + "|layername=tiles", "tiles", "ogr")
    assert catalog.featureCount() == 49

    query = QgsRasterLayer(str(source / "neon_OSBS_029.tif"), "neon")
    extent = query.extent()
    region = (
        f"{extent.xMinimum()},{extent.xMinimum() + 20},{extent.yMinimum()},"
        f"{extent.yMinimum() + 20} [{query.crs().authid()}]"
    )
    found = processing.run(
        "scicbir:searchregion",
        {
            "ARCHIVE": str(archive),
            "RASTER": query,
            "EXTENT": region,
            "K": 4,
            "OUTPUT": str(tmp_path / "found.gpkg"),
            "DECODED": str(tmp_path / "decoded"),
        },
    )
    footprints = QgsVectorLayer(found["OUTPUT"], "found", "ogr")
    assert footprints.isValid() and footprints.featureCount() == 4
    assert sorted(f["rank"] for f in footprints.getFeatures()) == [1, 2, 3, 4]
    assert len(list((tmp_path / "decoded").glob("*.tif"))) == 4

    decoded = processing.run(
        "scicbir:decodetiles",
        {"ARCHIVE": str(archive), "TILES": "1,2", "OUTPUT": str(tmp_path / "tiles")},
    )
    files = decoded["FILES"].split(";")
    assert len(files) == 2
    for path in files:
        layer = QgsRasterLayer(path, "t")
        assert layer.isValid() and layer.crs() == query.crs()
        assert layer.width() == 64
