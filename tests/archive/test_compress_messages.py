"""What compress says about rasters it cannot use as they are: the file is always named."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from scicbir.archive.compress import compress_folder
from scicbir.errors import InputError
from tests.archive.conftest import crop


def test_a_one_band_raster_alone_names_the_file_when_no_model_fits(data_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    three = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "3.tif", 64, 64)
    with rasterio.open(three) as ds:
        profile = ds.profile | {"count": 1}
        band = ds.read(1)
    with rasterio.open(src / "single.tif", "w", **profile) as out:
        out.write(band, 1)
    with pytest.raises(InputError) as caught:
        compress_folder(src, tmp_path / "archive")
    message = str(caught.value)
    assert str(src / "single.tif") in message and "no model for 1 bands" in message
    assert "--model" in message


def test_a_nodata_only_raster_is_reported_as_such(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    source = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "l.tif", 96, 96)
    with rasterio.open(source) as ds:
        profile = ds.profile | {"dtype": "float32"}
    with rasterio.open(src / "empty.tif", "w", **profile) as out:
        out.write(np.full((3, 96, 96), np.nan, np.float32))
    summary = compress_folder(src, tmp_path / "archive", str(tiny_rgb_model.path))
    (result,) = summary.sources
    assert (result.status, result.tiles, result.empty_tiles) == ("added", 0, 4)
    assert any("only nodata" in note for note in result.warnings), result.warnings
