"""An archive compressed once per session from the committed real samples, with a tiny model.

The samples are cropped (keeping georeference, band descriptions, colour interpretation and
nodata) so that every case is covered (edge tiles on both axes, uint16 and uint8, a
BigEarthNet patch) with few tiles: the suite stays fast on two shared cores.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import rasterio
from rasterio.windows import Window

#: tiles on the 64 grid of each sample written by ``make_sample_folder``
EXPECTED_TILES = {"landsat.tif": 9, "rmnp.tif": 12, "S2A_MSIL2A_20170613T101031_87_48": 4}


def committed_sources(folder: Path) -> int:
    """Sources committed in an archive's catalog (0 while it does not exist yet), read without
    taking part in the writer's transaction: what a test polls while a compress runs."""
    try:
        conn = sqlite3.connect(f"file:{folder / 'catalog.gpkg'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM sources").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def crop(src: Path, dst: Path, width: int, height: int) -> Path:
    """Top-left ``width`` x ``height`` of ``src`` as a new GeoTIFF with the same metadata."""
    window = Window(0, 0, width, height)
    with rasterio.open(src) as ds:
        profile = ds.profile
        profile.update(width=width, height=height, transform=ds.window_transform(window))
        profile.pop("blockxsize", None), profile.pop("blockysize", None)
        profile["tiled"] = False
        with rasterio.open(dst, "w", **profile) as out:
            out.write(ds.read(window=window))
            out.colorinterp = ds.colorinterp
            for k, name in enumerate(ds.descriptions, start=1):
                if name:
                    out.set_band_description(k, name)
    return dst


def make_sample_folder(data_dir: Path, target: Path) -> Path:
    """Real rasters: a Landsat crop (uint16), an RGB photo (uint8, nodata), a BigEarthNet patch."""
    target.mkdir(parents=True, exist_ok=True)
    crop(data_dir / "landsat" / "landsat8_224078_crop.tif", target / "landsat.tif", 160, 140)
    crop(data_dir / "rgb" / "rmnp-rgb.tif", target / "rmnp.tif", 200, 150)
    patch = "S2A_MSIL2A_20170613T101031_87_48"
    shutil.copytree(data_dir / "bigearthnet" / patch, target / "ben" / patch)
    return target


@pytest.fixture(scope="session")
def sample_folder(data_dir, tmp_path_factory) -> Path:
    return make_sample_folder(data_dir, tmp_path_factory.mktemp("samples") / "rasters")


@pytest.fixture(scope="session")
def rgb_archive(sample_folder, tiny_rgb_model, tmp_path_factory):
    """(archive folder, CompressSummary) of ``sample_folder`` compressed with the tiny RGB model."""
    from scicbir.archive.compress import compress_folder

    folder = tmp_path_factory.mktemp("archives") / "rgb"
    summary = compress_folder(sample_folder, folder, str(tiny_rgb_model.path))
    return folder, summary


@pytest.fixture(scope="session")
def old_format_archive(sample_folder, tiny_rgb_model, tmp_path_factory):
    """``sample_folder`` compressed as versions before archive format 2 wrote it: packs without
    metadata records (so a lost catalog cannot be rebuilt from them)."""
    from scicbir.archive import compress
    from scicbir.archive.catalog import Catalog

    folder = tmp_path_factory.mktemp("archives") / "old-format"
    compress.WRITE_METADATA_RECORDS = False
    try:
        summary = compress.compress_folder(sample_folder, folder, str(tiny_rgb_model.path))
    finally:
        compress.WRITE_METADATA_RECORDS = True
    catalog = Catalog(folder / "catalog.gpkg")
    try:
        with catalog.transaction():
            catalog.set_meta({"format_version": "1"})
    finally:
        catalog.close()
    return folder, summary
