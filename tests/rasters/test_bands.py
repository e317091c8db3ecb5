"""Band mapping: a raster's bands reach the model's bands by name, layout, colour or choice."""

from __future__ import annotations

import warnings

import pytest
import rasterio

from scicbir.errors import InputError
from scicbir.rasters import map_bands
from scicbir.rasters.bands import BAND_PRESETS, band_keys

S2_12 = BAND_PRESETS["sentinel2-12"]


def test_landsat_descriptions_map_by_colour_not_band_number(data_dir):
    path = data_dir / "landsat" / "landsat8_224078_crop.tif"
    with rasterio.open(path) as ds:
        names = ds.descriptions  # ('Blue (B2)', 'Green (B3)', 'Red (B4)')
    mapping = map_bands(str(path), names, ["red", "green", "blue"])
    assert mapping.indexes == (3, 2, 1)
    assert mapping.how == "names"
    # "Blue (B2)" must never be read as Sentinel-2 B02's neighbour numbering for other bands
    assert band_keys("NIR (B5)") == {"nir", "B08"}


def test_rgb_colour_interpretation_maps_rgb_photos(data_dir):
    path = data_dir / "rgb" / "neon_OSBS_029.tif"
    with rasterio.open(path) as ds:
        colours = [c.name for c in ds.colorinterp]
        names = ds.descriptions
    mapping = map_bands(str(path), names, ["red", "green", "blue"], colour_interp=colours)
    assert mapping.indexes == (1, 2, 3) and mapping.how == "colour"


def test_eurosat_13_bands_need_names_and_preset_drops_b10(data_dir):
    path = data_dir / "eurosat" / "Forest_1031.tif"
    with rasterio.open(path) as ds:
        names = ds.descriptions
    with pytest.raises(InputError) as err:
        map_bands(str(path), names, S2_12)
    message = str(err.value)
    assert "Forest_1031.tif" in message and "13 bands" in message and "B8A" in message
    assert "--band-names" in message
    mapping = map_bands(str(path), names, S2_12, band_names="sentinel2-13")
    assert mapping.indexes == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13)  # band 11 is B10


def test_explicit_bands_are_checked_against_the_raster():
    names = [None, None, None, None]
    assert map_bands(
        "x.tif", names, ["red", "green", "blue"], explicit=["4", "3", "2"]
    ).indexes == (4, 3, 2)
    with pytest.raises(InputError, match="band 5 but the raster has bands 1..4"):
        map_bands("x.tif", names, ["red", "green", "blue"], explicit=[5, 3, 2])
    with pytest.raises(InputError, match="lists 2 bands but the model needs 3"):
        map_bands("x.tif", names, ["red", "green", "blue"], explicit=[1, 2])


def test_unnamed_bands_of_the_right_count_are_taken_in_order_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mapping = map_bands("x.tif", [None] * 3, ["red", "green", "blue"])
    assert mapping.indexes == (1, 2, 3) and mapping.how == "order"
    assert any("x.tif" in str(w.message) and "--bands" in str(w.message) for w in caught)


def test_sentinel2_names_feed_an_rgb_model():
    mapping = map_bands("patch", S2_12, ["red", "green", "blue"])
    assert mapping.indexes == (4, 3, 2)
    assert mapping.source_order == (2, 1, 0)
