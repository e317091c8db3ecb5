"""Decoding back to GeoTIFF: exact georeference/dtype/nodata/band order, pixels within codec error."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from scicbir.archive import Archive
from scicbir.archive.decode import decode_source, decode_tile_to_file


def _normalised(pixels: np.ndarray, tile) -> np.ndarray:
    """Source-ordered pixels -> the normalised values the codec saw (model band order)."""
    order = sorted(range(len(tile.source_bands)), key=lambda i: tile.source_bands[i])
    model_order = np.empty_like(pixels, dtype=np.float64)
    model_order[order] = pixels
    offset = np.asarray(tile.normalisation["offset"])[:, None, None]
    scale = np.asarray(tile.normalisation["scale"])[:, None, None]
    return (model_order - offset) / scale


@pytest.mark.parametrize(("name", "valid_height"), [("landsat.tif", 12), ("rmnp.tif", 22)])
def test_decoded_tile_has_the_source_georeference_and_codec_quality(
    rgb_archive, sample_folder, name, valid_height, tmp_path
):
    folder, _ = rgb_archive
    source_path = sample_folder / name
    with Archive.open(folder) as archive:
        tile = [t for t in archive.tiles_of_source(source_path) if t.col == 64 and t.row == 128][0]
        out = decode_tile_to_file(archive, tile.id, tmp_path / "tile.tif")
        expected = archive.decode_tile(tile.id)
        # independent path: stream -> codec -> inverse normalisation, rounded and clipped
        raw = archive.codec().decode(archive.read_stream(tile))
    with rasterio.open(source_path) as src, rasterio.open(out) as dst:
        window = Window(tile.col, tile.row, tile.valid_width, tile.valid_height)
        assert (
            (dst.width, dst.height) == (tile.valid_width, tile.valid_height) == (64, valid_height)
        )
        assert dst.crs == src.crs
        assert dst.transform == src.window_transform(window)
        assert dst.dtypes == src.dtypes and dst.nodata == src.nodata
        assert dst.descriptions == src.descriptions  # source band order, source names
        decoded = dst.read()
        original = src.read(window=window)
        assert dst.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    np.testing.assert_array_equal(decoded, expected)
    order = sorted(range(3), key=lambda i: tile.source_bands[i])
    norm = tile.normalisation
    physical = (
        raw[:, :valid_height, :64] * np.asarray(norm["scale"])[:, None, None]
        + np.asarray(norm["offset"])[:, None, None]
    )
    info = np.iinfo(decoded.dtype)
    np.testing.assert_array_equal(decoded, np.clip(np.rint(physical[order]), info.min, info.max))
    # within the codec's error: the file is at least as close to the source as the stream was
    # (clipping to the dtype range and rounding can only bring values closer)
    mse = np.mean((_normalised(decoded, tile) - _normalised(original, tile)) ** 2)
    assert 10 * np.log10(1 / mse) >= tile.psnr - 0.05


def test_decoded_source_is_the_source_raster_reassembled(rgb_archive, sample_folder, tmp_path):
    folder, _ = rgb_archive
    source_path = sample_folder / "landsat.tif"
    with Archive.open(folder) as archive:
        out = decode_source(archive, str(source_path), tmp_path / "landsat.tif")
        tiles = archive.tiles_of_source(source_path)
        some = tiles[4]
        tile_pixels = archive.decode_tile(some)
    with rasterio.open(source_path) as src, rasterio.open(out) as dst:
        assert (dst.width, dst.height, dst.count) == (src.width, src.height, src.count)
        assert dst.crs == src.crs and dst.transform == src.transform
        assert dst.dtypes == src.dtypes and dst.descriptions == src.descriptions
        part = dst.read(window=Window(some.col, some.row, some.valid_width, some.valid_height))
    np.testing.assert_array_equal(part, tile_pixels)


def test_bigearthnet_patch_decodes_on_its_10m_grid(rgb_archive, sample_folder, tmp_path):
    folder, _ = rgb_archive
    patch = sample_folder / "ben" / "S2A_MSIL2A_20170613T101031_87_48"
    with Archive.open(folder) as archive:
        out = decode_source(archive, patch, tmp_path / "patch.tif")
    with rasterio.open(out) as dst, rasterio.open(patch / f"{patch.name}_B02.tif") as b02:
        assert (dst.width, dst.height) == (120, 120)
        assert dst.transform == b02.transform and dst.crs == b02.crs
        assert dst.descriptions == ("B02", "B03", "B04")  # the bands the RGB model stored
        assert dst.dtypes[0] == "uint16"


def test_unknown_tile_or_source_is_a_clear_error(rgb_archive, tmp_path):
    from scicbir.errors import InputError

    folder, _ = rgb_archive
    with Archive.open(folder) as archive:
        with pytest.raises(InputError, match="has no tile 99999"):
            decode_tile_to_file(archive, 99999, tmp_path / "x.tif")
        with pytest.raises(InputError, match="holds no source"):
            decode_source(archive, "/nowhere.tif", tmp_path / "x.tif")


def test_float_source_without_nodata_decodes_its_nodata_pixels_as_nan(
    data_dir, tiny_rgb_model, tmp_path
):
    """NaN, inf and 1e38 fill pixels of a float raster that declares no nodata value are nodata
    when compressed; decoding gives NaN there (declared in the GeoTIFF), not the coded fill."""
    from scicbir.archive.compress import CompressOptions, compress_folder
    from tests.archive.conftest import crop

    src = tmp_path / "src"
    src.mkdir()
    cropped = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "c.tif", 128, 128)
    with rasterio.open(cropped) as ds:
        pixels, profile = ds.read().astype("float32"), ds.profile
    assert profile.get("nodata") is None
    pixels[:, :64, :64] = np.nan  # a whole window of nodata: never stored
    pixels[0, 100, 100] = np.inf  # one band of one pixel
    pixels[:, 70:72, 64:70] = -3.4028235e38  # an undeclared fill value
    profile.update(dtype="float32")
    with rasterio.open(src / "float.tif", "w", **profile) as out:
        out.write(pixels)
    folder = tmp_path / "archive"
    summary = compress_folder(src, folder, str(tiny_rgb_model.path), options=CompressOptions())
    assert summary.ok and summary.tiles == 3
    with Archive.open(folder) as archive:
        tile = next(t for t in archive.tiles() if (t.col, t.row) == (64, 64))
        assert tile.nodata is None
        decoded = archive.decode_tile(tile)
        out = decode_tile_to_file(archive, tile.id, tmp_path / "tile.tif")
        whole = decode_source(archive, str(src / "float.tif"), tmp_path / "whole.tif")
    nodata = np.zeros((64, 64), bool)
    nodata[36, 36] = True
    nodata[6:8, 0:6] = True
    assert np.isnan(decoded[:, nodata]).all()  # every band of a nodata pixel
    assert np.isfinite(decoded[:, ~nodata]).all()
    with rasterio.open(out) as dst:
        assert np.isnan(dst.nodata)
        np.testing.assert_array_equal(dst.read(), decoded)
        assert dst.read_masks(1)[36, 36] == 0 and dst.read_masks(1)[0, 0] == 255
    with rasterio.open(whole) as dst:
        assert np.isnan(dst.nodata)
        back = dst.read()
    assert np.isnan(back[:, :64, :64]).all()  # the unstored window: nodata, not 0
    np.testing.assert_array_equal(back[:, 64:, 64:], decoded)
    assert np.isfinite(back[:, 64:, :64]).all()


def test_a_tile_and_its_mask_stay_in_one_pack_when_a_new_pack_starts(
    data_dir, tiny_rgb_model, tmp_path, monkeypatch
):
    """The catalog row names one pack for a tile's stream and mask: a new pack may start before
    a tile, never between its stream and its mask (here a new pack after every tile)."""
    from scicbir.archive import packs
    from scicbir.archive.compress import CompressOptions, compress_folder
    from scicbir.archive.verify import verify_archive
    from tests.archive.conftest import crop

    src = tmp_path / "src"
    src.mkdir()
    cropped = crop(data_dir / "landsat" / "landsat8_224078_crop.tif", tmp_path / "c.tif", 128, 128)
    with rasterio.open(cropped) as ds:
        pixels, profile = ds.read().astype("float32"), ds.profile
    pixels[:, ::64, ::64] = np.nan  # one nodata pixel per tile: every tile has a mask
    profile.update(dtype="float32")
    with rasterio.open(src / "masked.tif", "w", **profile) as out:
        out.write(pixels)
    monkeypatch.setattr(packs, "PACK_LIMIT", 1)
    folder = tmp_path / "archive"
    summary = compress_folder(src, folder, str(tiny_rgb_model.path), options=CompressOptions())
    assert summary.ok and summary.tiles == 4
    assert len(list((folder / "packs").glob("pack-*.bin"))) >= 4
    with Archive.open(folder) as archive:
        for tile in archive.tiles():
            decoded = archive.decode_tile(tile)
            assert np.isnan(decoded[:, 0, 0]).all() and np.isfinite(decoded[:, 1:, 1:]).all()
    assert verify_archive(folder)["ok"]
