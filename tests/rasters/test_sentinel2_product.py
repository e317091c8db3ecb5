"""Sentinel-2 products (SAFE folders, Level-1C and 2A) are one source per granule: each band at
its finest resolution, resampled to 10 m window by window, the model's bands picked by name."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from scicbir.archive.compress import CompressOptions, compress_folder
from scicbir.archive.store import Archive
from scicbir.rasters.discover import find_sources
from scicbir.rasters.source import RasterSource
from tests.rasters.s2_product import write_l1c_product, write_l2a_product

PATCH = "bigearthnet/S2A_MSIL2A_20170613T101031_87_48"
TWELVE = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12")


@pytest.fixture(scope="module")
def products(data_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("s2-products")
    downloads = root / "downloads"
    l2a = write_l2a_product(data_dir / PATCH, downloads)
    l1c = write_l1c_product(data_dir / PATCH, downloads)
    patch = root / "patch"
    shutil.copytree(data_dir / PATCH, patch / (data_dir / PATCH).name)
    return {"downloads": downloads, "l2a": l2a, "l1c": l1c, "patch": patch}


@pytest.fixture(scope="module")
def s2_model_64(tmp_path_factory):
    from scicbir.models.testing import make_random_package

    return make_random_package(tmp_path_factory.mktemp("m") / "s2-64", bands=12, tile_size=64)


def test_a_level_2a_product_is_one_source_with_each_band_at_its_finest_resolution(products):
    specs = find_sources(products["downloads"])
    assert [s.path for s in specs] == sorted([products["l1c"], products["l2a"]], key=str)
    l2a = next(s for s in specs if s.path == products["l2a"])
    assert l2a.band_names == TWELVE
    chosen = {band: f.parent.name for band, f in zip(l2a.band_names, l2a.files, strict=True)}
    assert chosen["B02"] == chosen["B08"] == "R10m"
    assert chosen["B05"] == chosen["B01"] == "R20m"  # B01 is also at 20 m in Level-2A
    assert chosen["B09"] == "R60m"
    names = " ".join(f.name for s in specs for f in s.files)
    assert not any(word in names for word in ("TCI", "SCL", "AOT", "WVP", "MSK"))
    # pointing at the product itself gives the same source
    assert find_sources(products["l2a"]) == [l2a]


def test_a_product_reads_on_the_10m_grid_like_the_same_bands_as_geotiffs(products):
    (patch_spec,) = find_sources(products["patch"])
    (l2a_spec,) = find_sources(products["l2a"])
    with RasterSource(l2a_spec.path, l2a_spec.files, l2a_spec.band_names) as product, \
            RasterSource(patch_spec.path, patch_spec.files, patch_spec.band_names) as patch:  # fmt: skip
        assert (product.width, product.height) == (patch.width, patch.height) == (120, 120)
        assert product.transform == patch.transform and product.crs == patch.crs
        assert product.band_names == list(TWELVE)
        bands = list(range(2, 13))  # all but B01, which Level-2A also keeps at 20 m
        a = product.read(30, 40, 64, 64, bands)
        b = patch.read(30, 40, 64, 64, bands)
    np.testing.assert_array_equal(a, b)


def test_products_compress_with_the_models_bands_picked_by_name(products, s2_model_64, tmp_path):
    archive_dir = tmp_path / "archive"
    options = CompressOptions(workers=1, psnr=False)
    summary = compress_folder(
        products["downloads"], archive_dir, str(s2_model_64.path), options=options
    )
    assert summary.ok and summary.as_dict()["failed"] == 0, summary.as_dict()
    reference_dir = tmp_path / "reference"
    compress_folder(products["patch"], reference_dir, str(s2_model_64.path), options=options)
    with Archive.open(archive_dir, read_only=True) as archive, \
            Archive.open(reference_dir, read_only=True) as reference:  # fmt: skip
        sources = {s["path"]: s for s in archive.sources()}
        assert set(sources) == {str(products["l1c"]), str(products["l2a"])}
        l1c = archive.tiles_of_source(products["l1c"])
        ref = reference.tiles_of_source(next(iter(s["path"] for s in reference.sources())))
        assert len(l1c) == len(ref) == 4  # 120 px on a 64 px grid
        # Level-1C holds every band once at its native resolution, with the patch's pixels:
        # the same codes and streams as the patch's GeoTIFFs (its B10 goes unused)
        assert [t.hash_hex for t in l1c] == [t.hash_hex for t in ref]
        assert [archive.read_stream(t) for t in l1c] == [reference.read_stream(t) for t in ref]
        assert [t.source_bands for t in l1c][0] == tuple(i for i in range(1, 14) if i != 11)


def test_jpeg2000_bands_read_through_strips_give_the_pixels_of_direct_reads(products):
    """A compress sweeping the tile rows decodes each JPEG 2000 block row once (a strip per
    band) instead of once per tile: the pixels must be those of a read from the file, on the
    10 m grid and resampled, also for tiles across block rows and at the edges."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    (spec,) = find_sources(products["l2a"])
    with RasterSource(spec.path, spec.files, spec.band_names) as source:
        assert source._bands[0][0].block_shapes[0][0] < 64  # the grid crosses block rows
        for b in range(1, source.count + 1):
            dataset, index = source._bands[b - 1]
            for row in range(0, source.height, 24):  # rows off the block grid, and edge tiles
                for col in range(0, source.width, 40):
                    w, h = min(64, source.width - col), min(64, source.height - row)
                    got = source.read(col, row, w, h, [b])[0]
                    sx, sy = dataset.width / source.width, dataset.height / source.height
                    if sx == 1:
                        want = dataset.read(index, window=Window(col, row, w, h))
                    else:
                        want = dataset.read(index, window=Window(col * sx, row * sy, w * sx, h * sy),
                                            out_shape=(h, w), resampling=Resampling.cubic)  # fmt: skip
                    np.testing.assert_array_equal(got, want, err_msg=f"band {b} at {col},{row}")
        assert any(s is not None and s.rows is not None for s in source._strips.values())


def test_a_product_overview_reads_whole_resolution_levels(products):
    """The value-range check of compress reads a decimated overview; for JPEG 2000 bands it
    comes from a whole wavelet resolution level: at full size it is the band itself, smaller
    it is a nearest-neighbour pick of the band's own values."""
    (l1c,) = find_sources(products["l1c"])
    (patch,) = find_sources(products["patch"])
    with RasterSource(l1c.path, l1c.files, l1c.band_names) as product, \
            RasterSource(patch.path, patch.files, patch.band_names) as tiffs:  # fmt: skip
        np.testing.assert_array_equal(product.overview([2, 3]), tiffs.overview([2, 3]))
        small = product.overview([2], max_size=50)
        whole = tiffs.read(0, 0, 120, 120, [2])
    assert small.shape == (1, 50, 50)
    assert abs(float(small.mean()) - float(whole.mean())) < 0.05 * float(whole.mean())
