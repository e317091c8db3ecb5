"""``compress_folder`` on real rasters: catalog contents, normalisation, resume, errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3

import faiss
import numpy as np
import pytest
import rasterio

from scicbir.archive import Archive
from scicbir.archive.compress import CompressOptions, compress_folder
from scicbir.archive.packs import HEADER
from scicbir.errors import InputError, ModelMismatchError
from tests.archive.conftest import EXPECTED_TILES, crop

FAST = CompressOptions(psnr=False)  # no decode per tile where quality is not under test


def test_every_source_is_tiled_on_the_model_grid(rgb_archive):
    folder, summary = rgb_archive
    assert summary.ok, summary.failed
    assert summary.count("added") == 3
    with Archive.open(folder) as archive:
        by_source = {}
        for tile in archive.tiles():
            by_source.setdefault(os.path.basename(tile.source_path), []).append(tile)
    # landsat 160 x 140: 3 x 3; rmnp 200 x 150: 4 x 3; BigEarthNet 120 x 120: 2 x 2
    assert {k: len(v) for k, v in by_source.items()} == EXPECTED_TILES
    edge = [t for t in by_source["rmnp.tif"] if t.col == 192 and t.row == 128][0]
    assert (edge.width, edge.valid_width, edge.valid_height) == (64, 8, 22)
    ben = by_source["S2A_MSIL2A_20170613T101031_87_48"][0]
    assert ben.source_bands == (4, 3, 2)  # B04, B03, B02 of the 12 band files -> red, green, blue
    landsat = by_source["landsat.tif"][0]
    assert landsat.source_bands == (3, 2, 1)  # by the band descriptions "Red (B4)"...
    assert landsat.crs == "EPSG:32621" and landsat.dtype == "uint16"


def test_rows_hold_codes_streams_and_quality(rgb_archive, tiny_rgb_model):
    folder, _ = rgb_archive
    with Archive.open(folder) as archive:
        tiles = archive.tiles()
        assert archive.model.checksum == tiny_rgb_model.checksum
        logits = archive.logits([t.id for t in tiles[:5]])
        for tile, row_logits in zip(tiles[:5], logits, strict=True):
            assert (
                bytes.fromhex(tile.hash_hex) == tile.hash and len(tile.hash) * 8 == tile.hash_bits
            )
            # the code is the sign of the logits, MSB first
            assert (np.packbits(row_logits >= 0).tobytes()) == tile.hash
            stream = archive.read_stream(tile)
            assert len(stream) == tile.length and tile.bits == 8 * tile.length
            assert tile.bpp == pytest.approx(tile.bits / 64 / 64)
            assert tile.psnr is not None and np.isfinite(tile.psnr)
            assert tile.model_id == tiny_rgb_model.model_id


def test_uint16_source_on_an_8bit_model_records_its_own_value_range(rgb_archive, sample_folder):
    folder, summary = rgb_archive
    landsat = str(sample_folder / "landsat.tif")
    with Archive.open(folder) as archive:
        row = archive.catalog.source(landsat)
    assert row["norm_kind"] == "source_range"
    offset, scale = json.loads(row["norm_offset"]), json.loads(row["norm_scale"])
    with rasterio.open(landsat) as ds:
        red = ds.read(3).astype(float)
    assert offset[0] == pytest.approx(np.percentile(red, 0.1), rel=0.05)
    assert offset[0] + scale[0] == pytest.approx(np.percentile(red, 99.9), rel=0.05)
    assert any("value range" in w for s in summary.sources for w in s.warnings)
    rmnp = archive_source(folder, sample_folder / "rmnp.tif")
    assert rmnp["norm_kind"] == "model" and json.loads(rmnp["norm_scale"]) == [255.0] * 3


def archive_source(folder, path):
    with Archive.open(folder) as archive:
        return archive.catalog.source(str(path))


def test_rerun_skips_unchanged_sources_and_writes_nothing(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path
):
    folder, _ = rgb_archive
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    packs_before = {p.name: p.stat().st_size for p in (copy / "packs").iterdir()}
    with Archive.open(copy) as archive:
        ids_before = [t.id for t in archive.tiles()]
    summary = compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    assert summary.count("unchanged") == 3 and summary.tiles == 0
    with Archive.open(copy) as archive:
        assert [t.id for t in archive.tiles()] == ids_before
    assert {p.name: p.stat().st_size for p in (copy / "packs").iterdir()} == packs_before


def test_changed_source_replaces_its_tiles(sample_folder, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(sample_folder / "rmnp.tif", src / "rmnp.tif")
    folder = tmp_path / "archive"
    compress_folder(src, folder, str(tiny_rgb_model.path), options=FAST)
    with Archive.open(folder) as archive:
        old = {(t.col, t.row): t for t in archive.tiles()}
    with rasterio.open(src / "rmnp.tif", "r+") as ds:  # the scene changes: darken it
        ds.write((ds.read() // 2).astype("uint8"))
    summary = compress_folder(src, folder, str(tiny_rgb_model.path), options=FAST)
    assert summary.count("replaced") == 1
    with Archive.open(folder) as archive:
        new = {(t.col, t.row): t for t in archive.tiles()}
        index = archive.index()
        index_ids = faiss.vector_to_array(index.id_map)
    assert sorted(index_ids) == sorted(t.id for t in new.values())
    assert new.keys() == old.keys()
    assert min(t.id for t in new.values()) > max(t.id for t in old.values())  # ids never reused
    assert sum(new[k].hash != old[k].hash or new[k].length != old[k].length for k in new) > 0


def test_corrupt_file_is_reported_and_the_batch_goes_on(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    crop(data_dir / "rgb" / "rmnp-rgb.tif", src / "good.tif", 128, 128)
    (src / "truncated.tif").write_bytes(
        (data_dir / "rgb" / "neon_OSBS_029.tif").read_bytes()[:5000]
    )
    (src / "not-a-raster.tif").write_text("hello")
    summary = compress_folder(src, tmp_path / "archive", str(tiny_rgb_model.path), options=FAST)
    assert not summary.ok
    failed = {os.path.basename(s.path): s.error for s in summary.failed}
    assert set(failed) == {"truncated.tif", "not-a-raster.tif"}
    assert all(name in error for name, error in failed.items())
    assert summary.count("added") == 1 and summary.tiles == 4


def test_another_model_is_refused(rgb_archive, sample_folder, tmp_path):
    from scicbir.models.testing import make_random_package

    other = make_random_package(tmp_path / "other", bands=3, tile_size=64, N=16, M=16, seed=7)
    folder, _ = rgb_archive
    with pytest.raises(ModelMismatchError) as err:
        compress_folder(sample_folder, folder, str(other.path))
    assert str(folder) in str(err.value) and other.model_id in str(err.value)
    with pytest.raises(ModelMismatchError):
        Archive.open(folder, package=other)


def test_sentinel2_model_reads_bigearthnet_and_eurosat_layouts(data_dir, tiny_s2_model, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(data_dir / "bigearthnet", src / "ben")
    shutil.copy(data_dir / "eurosat" / "River_1237.tif", src / "River_1237.tif")
    folder = tmp_path / "archive"
    summary = compress_folder(src, folder, str(tiny_s2_model.path), options=FAST)
    # EuroSAT's 13 unnamed bands cannot be mapped automatically: reported, not guessed
    assert [os.path.basename(s.path) for s in summary.failed] == ["River_1237.tif"]
    assert "--band-names" in summary.failed[0].error
    options = CompressOptions(band_names="sentinel2-13", psnr=False)
    summary = compress_folder(src / "River_1237.tif", folder, None, options=options)
    assert summary.ok and summary.tiles == 1
    with Archive.open(folder) as archive:
        tiles = archive.tiles()
        assert len(tiles) == 3
        ben = [t for t in tiles if "S2A" in t.source_path][0]
        assert ben.source_bands == tuple(range(1, 13)) and ben.valid_width == 120
        river = [t for t in tiles if "River" in t.source_path][0]
        assert river.source_bands == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13)
        assert (river.valid_width, river.width) == (64, 120)
        assert json.loads(archive.catalog.source(ben.source_path)["norm_scale"]) == [20566.0] * 12


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_images_without_georeference_get_pixel_space_footprints(data_dir, tiny_rgb_model, tmp_path):
    src = tmp_path / "scenes"
    src.mkdir()
    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        pixels = ds.read()[:, :150, :150]
    with rasterio.open(
        src / "scene.png", "w", driver="PNG", width=150, height=150, count=3, dtype="uint8"
    ) as dst:
        dst.write(pixels)
    folder = tmp_path / "archive"
    summary = compress_folder(src, folder, str(tiny_rgb_model.path), options=FAST)
    assert summary.ok and summary.tiles == 9
    assert any("no georeference" in w for w in summary.sources[0].warnings)
    with Archive.open(folder) as archive:
        tiles = archive.tiles()
        assert all(not t.georeferenced and t.footprint is None and t.crs is None for t in tiles)
    conn = sqlite3.connect(folder / "catalog.gpkg")
    rows = conn.execute("SELECT fid, col, row FROM image_tiles ORDER BY fid").fetchall()
    assert [r[0] for r in rows] == [t.id for t in tiles]
    srs = conn.execute(
        "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name='image_tiles'"
    ).fetchone()
    assert srs == (-1,)


def test_missing_input_is_a_clear_error(tiny_rgb_model, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        compress_folder(tmp_path / "nowhere", tmp_path / "a", str(tiny_rgb_model.path))


def test_pack_records_are_framed_and_checked(rgb_archive):
    folder, _ = rgb_archive
    with Archive.open(folder) as archive:
        tile = archive.tiles()[0]
    pack = folder / "packs" / tile.pack
    data = bytearray(pack.read_bytes())
    assert data[tile.offset - HEADER.size : tile.offset - HEADER.size + 4] == b"SCB1"


def test_progress_reports_tiles_and_cancel_leaves_whole_sources(
    sample_folder, tiny_rgb_model, tmp_path
):
    from scicbir.errors import CancelledError
    from scicbir.progress import CancelToken

    folder = tmp_path / "archive"
    token = CancelToken()
    calls = []

    def progress(done, total, message="", **figures):
        calls.append((done, total, message))
        if done >= 9:  # past the first source's tiles: stop
            token.cancel()

    with pytest.raises(CancelledError, match="run the same command again"):
        compress_folder(
            sample_folder,
            folder,
            str(tiny_rgb_model.path),
            options=FAST,
            progress=progress,
            cancel=token,
        )
    assert all(total == 25 for _, total, _ in calls)
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)
    with Archive.open(folder) as archive:
        done = {s["path"]: s["tiles"] for s in archive.sources()}
        assert done and all(len(archive.tiles_of_source(p)) == n for p, n in done.items())
    summary = compress_folder(sample_folder, folder, str(tiny_rgb_model.path), options=FAST)
    assert summary.ok and summary.count("unchanged") == len(done)
    assert summary.count("added") == 3 - len(done)


@pytest.mark.slow
def test_two_worker_processes_write_the_same_archive(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path
):
    folder, _ = rgb_archive
    pooled = tmp_path / "pooled"
    summary = compress_folder(
        sample_folder, pooled, str(tiny_rgb_model.path), options=CompressOptions(workers=2)
    )
    assert summary.ok and summary.tiles == sum(EXPECTED_TILES.values())

    def content(path):
        with Archive.open(path) as archive:
            return {
                (t.source_path, t.col, t.row): (t.hash, archive.read_stream(t), t.psnr)
                for t in archive.tiles()
            }

    assert content(pooled) == content(folder)
