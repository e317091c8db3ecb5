"""The "Export archive as STAC catalog" Processing algorithm, run through ``processing.run``
with the real engine (the plugin reaches the export only through the service's archive.stac)."""

from __future__ import annotations

import json
import shutil

import pytest
from qgis.core import QgsProcessingException

pytestmark = pytest.mark.qgis


@pytest.mark.slow  # engine start and real coding: 10-40 s on 2 shared cores
def test_export_stac_through_processing_run(provider, tmp_path, small_rgb_folder, tiny_rgb_model):
    import processing
    import pystac

    source = tmp_path / "rasters"
    source.mkdir()
    shutil.copy(small_rgb_folder / "neon.tif", source)  # 2 x 2 tiles
    archive = tmp_path / "archive"
    processing.run(
        "scicbir:compressfolder",
        {"INPUT": str(source), "ARCHIVE": str(archive), "MODEL": str(tiny_rgb_model.path)},
    )
    out = tmp_path / "stac"
    exported = processing.run(
        "scicbir:exportstac", {"ARCHIVE": str(archive), "OUTPUT": str(out), "LICENSE": "MIT"}
    )
    assert exported["ITEMS"] == 1 and exported["COLLECTION"] == str(out / "collection.json")
    collection = pystac.Collection.from_file(exported["COLLECTION"])
    assert collection.license == "MIT"
    (item,) = collection.get_items()
    assert item.properties["scicbir:tiles"] == 4
    assert item.properties["proj:code"] == "EPSG:32617"
    item_file = out / item.id / f"{item.id}.json"
    before = item_file.stat().st_mtime_ns
    again = processing.run("scicbir:exportstac", {"ARCHIVE": str(archive), "OUTPUT": str(out)})
    assert again["ITEMS"] == 1 and item_file.stat().st_mtime_ns == before
    assert json.loads((out / "collection.json").read_text())["license"] == "other"

    with pytest.raises(QgsProcessingException, match="not a SCI-CBIR archive"):
        processing.run("scicbir:exportstac", {"ARCHIVE": str(source), "OUTPUT": str(out / "x")})
