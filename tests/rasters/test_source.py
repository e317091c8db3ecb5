"""Sources, grid, windowed reads, nodata and footprints on the committed real rasters."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import rasterio
from rasterio.enums import Resampling
from rasterio.warp import transform_bounds

from scicbir.errors import InputError
from scicbir.rasters import RasterSource, TileGrid, find_sources, footprints_wgs84, read_tiles


def test_bigearthnet_patch_is_one_source_with_bands_in_sentinel2_order(data_dir):
    specs = find_sources(data_dir / "bigearthnet")
    assert len(specs) == 2
    spec = specs[0]
    assert spec.path.name == "S2A_MSIL2A_20170613T101031_87_48"
    assert spec.band_names == (
        "B01",
        "B02",
        "B03",
        "B04",
        "B05",
        "B06",
        "B07",
        "B08",
        "B8A",
        "B09",
        "B11",
        "B12",
    )
    assert all(f.suffix == ".tif" for f in spec.files)  # labels json skipped
    with RasterSource(spec.path, spec.files, spec.band_names) as source:
        assert (source.width, source.height, source.count) == (120, 120, 12)
        assert source.dtype == np.uint16 and source.epsg == 32633


def test_coarse_bands_are_cubic_upsampled_and_windows_agree_with_the_whole(data_dir):
    spec = find_sources(data_dir / "bigearthnet")[0]
    with RasterSource(spec.path, spec.files, spec.band_names) as source:
        b01 = source.read(0, 0, 120, 120, [1])[0]
        part = source.read(64, 40, 56, 64, [1])[0]
    with rasterio.open(spec.files[0]) as ds:  # the 60 m band, 20x20
        assert ds.width == 20
        whole = ds.read(1, out_shape=(120, 120), resampling=Resampling.cubic)
    np.testing.assert_array_equal(b01, whole)
    np.testing.assert_array_equal(part, whole[40:104, 64:120])


def test_grid_pads_edge_tiles_and_records_valid_size():
    grid = TileGrid(485, 373, 64)
    windows = list(grid)
    assert len(grid) == len(windows) == 8 * 6
    last = windows[-1]
    assert (last.col, last.row, last.valid_width, last.valid_height) == (448, 320, 37, 53)
    assert last.padded and not windows[0].padded


def test_nodata_only_tiles_are_skipped_and_partial_nodata_masked(data_dir, tmp_path):
    src = data_dir / "landsat" / "landsat8_224078_crop.tif"
    path = tmp_path / "holes.tif"
    with rasterio.open(src) as ds:
        profile = ds.profile
        pixels = ds.read()
    pixels[:, :64, :64] = 0  # the whole first tile
    pixels[:, 64:70, 64:128] = 0  # a strip of the second-row second tile
    profile.update(nodata=0)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pixels)
    with RasterSource(path) as source:
        tiles = list(read_tiles(source, 64, [3, 2, 1]))
    assert len(tiles) == 35  # 36 windows, one all nodata
    assert (tiles[0].window.col, tiles[0].window.row) == (64, 0)
    masked = [t for t in tiles if t.nodata_mask is not None]
    assert (
        len(masked) == 1 and masked[0].nodata_mask[:6].all() and not masked[0].nodata_mask[6:].any()
    )
    assert masked[0].data.shape == (3, 64, 64) and (masked[0].data[:, :6] > 0).all()  # filled
    edge = [t for t in tiles if t.window.padded]
    assert all(t.data.shape == (3, 64, 64) for t in edge)


def test_footprints_cover_the_raster_in_wgs84(data_dir):
    path = data_dir / "landsat" / "landsat8_224078_crop.tif"
    with RasterSource(path) as source:
        windows = list(TileGrid(source.width, source.height, 64))
        rings = footprints_wgs84(source.transform, source.crs, windows)
        west, south, east, north = transform_bounds(source.crs, "EPSG:4326", *source.bounds())
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    assert min(xs) == pytest.approx(west, abs=1e-4) and max(xs) == pytest.approx(east, abs=1e-4)
    assert min(ys) == pytest.approx(south, abs=1e-4) and max(ys) == pytest.approx(north, abs=1e-4)
    assert all(ring[0] == ring[-1] for ring in rings)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_image_without_georeference_is_accepted_with_a_warning(data_dir, tmp_path):
    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        pixels = ds.read()
    png = tmp_path / "scene.png"
    with rasterio.open(
        png, "w", driver="PNG", width=400, height=400, count=3, dtype="uint8"
    ) as dst:
        dst.write(pixels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = RasterSource(png)
    with source:
        assert not source.georeferenced and source.crs is None
    assert any("no georeference" in str(w.message) for w in caught)


def test_unreadable_file_raises_input_error_naming_it(data_dir, tmp_path):
    broken = tmp_path / "broken.tif"
    shutil.copy(data_dir / "rgb" / "rmnp-rgb.tif", broken)
    broken.write_bytes(broken.read_bytes()[:300])
    with pytest.raises(InputError, match="broken.tif"):
        RasterSource(broken).read(0, 0, 10, 10, [1])


def test_landsat_style_band_files_are_not_taken_for_sentinel2(data_dir, tmp_path):
    for name in ("LC08_scene_B2.TIF", "LC08_scene_B5.TIF"):
        shutil.copy(
            data_dir
            / "bigearthnet"
            / "S2A_MSIL2A_20170613T101031_87_48"
            / "S2A_MSIL2A_20170613T101031_87_48_B02.tif",
            tmp_path / name,
        )
    specs = find_sources(tmp_path)
    assert [s.path.name for s in specs] == ["LC08_scene_B2.TIF", "LC08_scene_B5.TIF"]
    assert all(not s.multi_file for s in specs)


def test_a_crs_that_cannot_reach_wgs84_is_a_clear_error(tmp_path):
    from affine import Affine
    from rasterio.crs import CRS

    from scicbir.rasters.footprint import check_wgs84_transformable

    path = tmp_path / "local.tif"
    crs = CRS.from_wkt('LOCAL_CS["site grid",UNIT["metre",1]]')
    profile = dict(
        driver="GTiff",
        width=8,
        height=8,
        count=1,
        dtype="uint8",
        crs=crs,
        transform=Affine(1, 0, 1000, 0, -1, 2000),
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.ones((1, 8, 8), np.uint8))
    with RasterSource(path) as source:
        with pytest.raises(InputError, match="local.tif.*cannot be transformed.*gdal_edit"):
            check_wgs84_transformable(str(path), source.transform, source.crs)
