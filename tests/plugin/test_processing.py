"""The Processing algorithms run through ``processing.run`` with the real engine."""

from __future__ import annotations

import shutil

import pytest
from qgis.core import (
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

pytestmark = pytest.mark.qgis


class _Progress(QgsProcessingFeedback):
    """Feedback that records the progress values an algorithm reports."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []
        self.progressChanged.connect(self.values.append)


def test_provider_lists_the_four_algorithms(provider):
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == [
        "scicbir:compressfolder", "scicbir:decodetiles", "scicbir:exportstac",
        "scicbir:searchregion",
    ]  # fmt: skip
    for algorithm in provider.algorithms():
        assert algorithm.shortHelpString()


def test_decode_refuses_ids_that_are_not_numbers(provider, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="whole numbers"):
        processing.run(
            "scicbir:decodetiles",
            {"ARCHIVE": str(tmp_path), "TILES": "3, x", "OUTPUT": str(tmp_path / "out")},
        )


@pytest.mark.slow  # 10-40 s on 2 shared cores (engine start, real coding)
def test_compress_search_and_decode_through_processing_run(
    provider, tmp_path, small_rgb_folder, tiny_rgb_model
):
    import processing

    source = tmp_path / "rasters"
    source.mkdir()
    shutil.copy(small_rgb_folder / "neon.tif", source)  # 2 x 2 tiles
    archive = tmp_path / "archive"
    compressed = processing.run(
        "scicbir:compressfolder",
        {"INPUT": str(source), "ARCHIVE": str(archive), "MODEL": str(tiny_rgb_model.path)},
    )
    assert compressed["TILES"] == 4 and compressed["FAILED"] == 0
    catalog = QgsVectorLayer(compressed["CATALOG"] + "|layername=tiles", "tiles", "ogr")
    assert catalog.featureCount() == 4

    # query with another raster (not in the archive), in its own CRS
    query = QgsRasterLayer(str(small_rgb_folder / "rmnp.tif"), "rmnp")
    extent = query.extent()
    region = (
        f"{extent.xMinimum()},{extent.xMinimum() + extent.width() / 2},{extent.yMinimum()},"
        f"{extent.yMaximum()} [{query.crs().authid()}]"
    )
    feedback = _Progress()
    project = QgsProject.instance()
    before = set(project.mapLayers())
    # as from the Processing toolbox: the outputs are loaded into the project when it ends
    found = processing.runAndLoadResults(
        "scicbir:searchregion",
        {
            "ARCHIVE": str(archive),
            "RASTER": query,
            "EXTENT": region,
            "K": 3,
            "OUTPUT": str(tmp_path / "found.gpkg"),
            "DECODED": str(tmp_path / "decoded"),
        },
        feedback=feedback,
    )
    footprints = QgsVectorLayer(str(tmp_path / "found.gpkg"), "found", "ogr")
    assert footprints.isValid() and footprints.featureCount() == 3
    assert sorted(f["rank"] for f in footprints.getFeatures()) == [1, 2, 3]
    assert len(list((tmp_path / "decoded").glob("*.tif"))) == 3
    assert feedback.values and feedback.values[-1] == 100  # the bar does not stay at 0 %
    # the decoded tiles are added too, in true colour, and the footprints styled by rank
    added = [project.mapLayer(i) for i in set(project.mapLayers()) - before]
    tiles = [layer for layer in added if isinstance(layer, QgsRasterLayer)]
    vectors = [layer for layer in added if isinstance(layer, QgsVectorLayer)]
    assert len(tiles) == 3 and len(vectors) == 1
    for layer in tiles:
        assert layer.renderer().type() == "multibandcolor"
        assert layer.customProperty("scicbir/result") and layer.customProperty("scicbir/rank")
    assert vectors[0].renderer().type() == "graduatedSymbol"
    assert found["OUTPUT"]
    project.removeMapLayers([layer.id() for layer in added])

    decoded = processing.run(
        "scicbir:decodetiles",
        {"ARCHIVE": str(archive), "TILES": "1,2", "OUTPUT": str(tmp_path / "tiles")},
    )
    files = decoded["FILES"].split(";")
    assert len(files) == 2
    for path in files:
        layer = QgsRasterLayer(path, "t")
        assert layer.isValid() and layer.crs().authid() == "EPSG:32617"
        assert layer.width() == 64


def test_compress_has_an_optional_quality_parameter(provider):
    algorithm = provider.algorithm("compressfolder")
    quality = algorithm.parameterDefinition("QUALITY")
    assert quality is not None and quality.flags() & quality.FlagOptional
    assert quality.dataType() == quality.Integer


@pytest.mark.slow  # real coding: 10-40 s on 2 shared cores
def test_compress_passes_quality_and_the_archive_keeps_it(
    provider, tmp_path, small_rgb_folder, rate_point_model
):
    import processing

    from scicbir_qgis.core.engine import session

    source = tmp_path / "rasters"
    source.mkdir()
    shutil.copy(small_rgb_folder / "neon.tif", source)  # 2 x 2 tiles
    model = str(rate_point_model.path)

    def compress(archive, quality):
        return processing.run(
            "scicbir:compressfolder",
            {"INPUT": str(source), "ARCHIVE": str(archive), "MODEL": model, "QUALITY": quality},
        )

    def archive_quality(archive):
        return session().call("archive.info", {"archive": str(archive)})["model"]["quality"]

    low = tmp_path / "low"
    assert compress(low, 1)["TILES"] == 4
    assert archive_quality(low) == 1
    default = tmp_path / "default"
    assert compress(default, 0)["TILES"] == 4  # 0: the model's default point
    assert archive_quality(default) == 2
    # an archive keeps its rate point: another one is refused with the engine's reason
    with pytest.raises(QgsProcessingException, match="quality 1"):
        compress(low, 3)
