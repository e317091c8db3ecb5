"""Dataset adapters and the tile cache on the committed real samples."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio

from scicbir.errors import InputError
from scicbir.training.cache import build_or_open
from scicbir.training.config import config_from_dict
from scicbir.training.datasets import open_sources
from scicbir.training.datasets.base import S2_BANDS_12
from scicbir.training.datasets.bigearthnet import BigEarthNetAdapter
from scicbir.training.datasets.class_folder import ClassFolderAdapter
from scicbir.training.datasets.labels import BEN19_CLASSES, BEN43_TO_19
from tests.training.conftest import DATA

BEN = DATA / "bigearthnet"
PATCH_A = "S2A_MSIL2A_20170613T101031_87_48"
PATCH_B = "S2B_MSIL2A_20170924T93020_69_24"


def test_the_43_to_19_table_covers_the_nomenclature():
    assert len(BEN43_TO_19) == 43
    targets = {v for v in BEN43_TO_19.values() if v is not None}
    assert targets == set(BEN19_CLASSES) and len(BEN19_CLASSES) == 19
    assert sum(v is None for v in BEN43_TO_19.values()) == 11


def test_bigearthnet_patches_are_read_as_12_bands_at_120_px_with_19_class_labels():
    adapter = BigEarthNetAdapter(BEN)
    listed = adapter.list()
    assert listed.bands == S2_BANDS_12
    by_key = {s.key: s for s in listed.samples}
    assert by_key[PATCH_A].labels == (
        "Arable land",
        "Land principally occupied by agriculture, with significant areas of natural vegetation",
    )
    # Coniferous, Mixed forest, Transitional woodland/shrub, Peatbogs, Water bodies
    assert by_key[PATCH_B].labels == (
        "Coniferous forest",
        "Mixed forest",
        "Transitional woodland, shrub",
        "Inland wetlands",
        "Inland waters",
    )
    x = adapter.read(by_key[PATCH_A])
    assert x.shape == (12, 120, 120) and x.dtype == np.float32
    with rasterio.open(BEN / PATCH_A / f"{PATCH_A}_B02.tif") as ds:  # 10 m band: untouched
        assert np.array_equal(x[1], ds.read(1).astype(np.float32))
    with rasterio.open(BEN / PATCH_A / f"{PATCH_A}_B05.tif") as ds:  # 20 m band: cubic x2
        b05 = ds.read(1).astype(np.float64)
    assert abs(x[4].mean() - b05.mean()) < 0.02 * b05.mean()
    assert np.allclose(x[4][::2, ::2].mean(), b05.mean(), rtol=0.02)


def test_bigearthnet_exclusion_list_and_split_csv(tmp_path):
    (tmp_path / "snow.csv").write_text(f"{PATCH_B}\n")
    (tmp_path / "test.csv").write_text(f"{PATCH_A}\n{PATCH_B}\n")
    listed = BigEarthNetAdapter(
        BEN, exclude=[tmp_path / "snow.csv"], splits={"test": tmp_path / "test.csv"}
    ).list()
    assert [(s.key, s.split) for s in listed.samples] == [(PATCH_A, "test")]


def test_bigearthnet_errors_name_the_file(tmp_path):
    broken = tmp_path / "ben"
    shutil.copytree(BEN / PATCH_A, broken / PATCH_A)
    (broken / PATCH_A / f"{PATCH_A}_B8A.tif").unlink()
    with pytest.raises(InputError, match="B8A.tif"):
        BigEarthNetAdapter(broken).list()
    with pytest.raises(InputError, match="does not exist"):
        BigEarthNetAdapter(tmp_path / "nowhere")


def test_eurosat_tiles_drop_b10_and_take_bigearthnet_band_order(eurosat_classes):
    adapter = ClassFolderAdapter(eurosat_classes)
    listed = adapter.list()
    assert listed.bands == S2_BANDS_12
    assert listed.label_names == ("AnnualCrop", "Forest", "Industrial", "River")
    sample = next(s for s in listed.samples if s.labels == ("Forest",))
    x = adapter.read(sample)
    with rasterio.open(sample.paths[0]) as ds:
        raw = ds.read().astype(np.float32)  # B01..B12 with B10 at index 9, B8A last
    assert x.shape == (12, 64, 64)
    assert np.array_equal(x[8], raw[12])  # B8A after B08
    assert np.array_equal(x[9], raw[8])  # B09
    assert np.array_equal(x[10], raw[10]) and np.array_equal(x[11], raw[11])  # B11, B12


def test_geotiff_csv_and_raster_tiles_adapters(rgb_tiles, tmp_path):
    cfg = config_from_dict(
        {
            "data": {
                "sources": [
                    {
                        "format": "geotiff-csv",
                        "path": str(rgb_tiles.parent / "tiles"),
                        "labels_csv": str(rgb_tiles),
                    },
                    {"format": "raster-tiles", "path": str(DATA / "rgb"), "tile": 128},
                ]
            }
        }
    )
    sources = open_sources(cfg.data)
    assert sources.bands == ("red", "green", "blue")
    with rgb_tiles.open() as fh:
        n_csv = len(list(csv.DictReader(fh)))
    # 128 px windows: 3x3 of the NEON raster and 3x2 of the 485x373 one
    assert len(sources.samples) == n_csv + 9 + 6
    assert "bright" in sources.label_names
    i = next(i for i, s in enumerate(sources.samples) if s.key.endswith("rmnp-rgb.tif@1_2"))
    with rasterio.open(DATA / "rgb" / "rmnp-rgb.tif") as ds:
        window = ds.read(window=rasterio.windows.Window(256, 128, 128, 128)).astype(np.float32)
    assert np.array_equal(sources.read(i), window)
    bad = tmp_path / "labels.csv"
    bad.write_text("file,labels\nmissing.tif,a\n")
    with pytest.raises(InputError, match="missing.tif"):
        open_sources(
            config_from_dict(
                {
                    "data": {
                        "sources": [
                            {"format": "geotiff-csv", "path": str(tmp_path), "labels_csv": str(bad)}
                        ]
                    }
                }
            ).data
        )


def test_cache_is_built_once_normalised_and_reused(eurosat_classes, tmp_path, monkeypatch):
    cfg = config_from_dict(
        {
            "data": {
                "sources": [
                    {"format": "class-folder", "path": str(eurosat_classes)},
                    {"format": "bigearthnet", "path": str(BEN)},
                ],
                "sample_size": 64,
                "normalisation_scale": 10000.0,
            }
        }
    )
    sources = open_sources(cfg.data)
    cache = build_or_open(sources, tmp_path, 64, 0.0, 10000.0)
    assert cache.tiles.shape == (6, 12, 64, 64) and cache.tiles.dtype == np.float16
    first = sources.read(0) / 10000.0
    assert np.allclose(cache.tiles[0].astype(np.float32), first, atol=1e-3, rtol=2e-3)
    ben = sources.samples.index(next(s for s in sources.samples if s.key.endswith(PATCH_A)))
    full = sources.read(ben) / 10000.0  # 120 px patch: centre 64 px kept
    assert np.allclose(cache.tiles[ben].astype(np.float32), full[:, 28:92, 28:92], atol=2e-3)
    assert cache.labels.sum(axis=1).tolist()[ben] == 2

    def no_decoding(*args, **kwargs):
        raise AssertionError("the cache decoded a file again")

    monkeypatch.setattr(type(sources.readers[0]), "read", no_decoding)
    again = build_or_open(sources, tmp_path, 64, 0.0, 10000.0)
    assert again.folder == cache.folder
    # another normalisation is another cache
    assert build_or_open.__name__ and len(list(Path(tmp_path).iterdir())) == 1


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_mlrsnet_layout_reads_multi_labels_from_category_csvs(tmp_path):
    from scicbir.training.datasets.mlrsnet import MLRSNetAdapter

    with rasterio.open(DATA / "rgb" / "neon_OSBS_029.tif") as ds:
        pixels = ds.read(window=rasterio.windows.Window(0, 0, 64, 64))
    for category, rows in {
        "airport": [("airport_00001.jpg", "1,0,1"), ("airport_00002.jpg", "1,1,0")],
        "forest": [("forest_00001.jpg", "0,0,1")],
    }.items():
        folder = tmp_path / "Images" / category
        folder.mkdir(parents=True)
        (tmp_path / "labels").mkdir(exist_ok=True)
        lines = ["image,airplane,bare soil,trees"]
        for name, flags in rows:
            with rasterio.open(
                folder / name, "w", driver="JPEG", width=64, height=64, count=3, dtype="uint8"
            ) as dst:
                dst.write(pixels)
            lines.append(f"{name},{flags}")
        (tmp_path / "labels" / f"{category}.csv").write_text("\n".join(lines) + "\n")
    adapter = MLRSNetAdapter(tmp_path)
    listed = adapter.list()
    assert listed.label_names == ("airplane", "bare soil", "trees")
    labels = {s.key: s.labels for s in listed.samples}
    assert labels == {
        "airport/airport_00001.jpg": ("airplane", "trees"),
        "airport/airport_00002.jpg": ("airplane", "bare soil"),
        "forest/forest_00001.jpg": ("trees",),
    }
    x = adapter.read(listed.samples[0])
    assert x.shape == (3, 64, 64) and abs(float(x.mean()) - float(pixels.mean())) < 3
    (tmp_path / "Images" / "forest" / "forest_00001.jpg").unlink()
    with pytest.raises(InputError, match="forest_00001.jpg"):
        MLRSNetAdapter(tmp_path).list()
