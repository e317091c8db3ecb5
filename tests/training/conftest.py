"""Fixtures for the trainer tests: small labelled datasets cut from the committed real samples.

The committed RGB rasters (NEON aerial image, Rocky Mountain NP) are cut into 64x64 GeoTIFF
tiles with a labels CSV: each tile carries the name of its source raster and, where it is
brighter than the median tile, the label "bright", so pairs share all, some or none of their
labels (hard and soft pairs of the pairwise loss). The EuroSAT samples are laid out as class
folders. Everything is written under pytest's tmp folders.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


def cut_rgb_tiles(folder: Path, size: int = 64) -> Path:
    """Write <folder>/tiles/*.tif and <folder>/labels.csv; return the CSV path."""
    import rasterio
    from rasterio.windows import Window

    tiles = folder / "tiles"
    tiles.mkdir(parents=True)
    rows = []
    for raster in sorted((DATA / "rgb").glob("*.tif")):
        with rasterio.open(raster) as src:
            profile = src.profile.copy()
            profile.update(width=size, height=size, count=3, tiled=False, compress=None)
            for r in range(src.height // size):
                for c in range(src.width // size):
                    window = Window(c * size, r * size, size, size)
                    data = src.read([1, 2, 3], window=window)
                    name = f"{raster.stem}_{r}_{c}.tif"
                    profile.update(transform=src.window_transform(window))
                    with rasterio.open(tiles / name, "w", **profile) as dst:
                        dst.write(data)
                    rows.append((name, raster.stem, float(data.mean())))
    median = float(np.median([m for _, _, m in rows]))
    labels_csv = folder / "labels.csv"
    with labels_csv.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "labels"])
        for name, source, mean in rows:
            writer.writerow([name, source + (";bright" if mean > median else "")])
    return labels_csv


@pytest.fixture(scope="session")
def rgb_tiles(tmp_path_factory) -> Path:
    """Labels CSV of 64x64 RGB tiles cut from tests/data/rgb (tiles in the CSV's folder)."""
    return cut_rgb_tiles(tmp_path_factory.mktemp("rgb_tiles"))


@pytest.fixture(scope="session")
def eurosat_classes(tmp_path_factory) -> Path:
    """tests/data/eurosat laid out as <Class>/<file>.tif."""
    root = tmp_path_factory.mktemp("eurosat_classes")
    for tif in sorted((DATA / "eurosat").glob("*.tif")):
        cls = tif.stem.split("_")[0]
        (root / cls).mkdir(exist_ok=True)
        shutil.copy(tif, root / cls / tif.name)
    return root


def tiny_config(rgb_labels_csv: Path, output: Path, **overrides: Any) -> dict[str, Any]:
    """A tiny three-stage configuration on the RGB tiles (N = M = 16, tile 64, a few steps)."""
    cfg: dict[str, Any] = {
        "name": "tiny-rgb",
        "output": str(output),
        "device": "cpu",  # exact resume comparisons need deterministic kernels
        "seed": 3,
        "threads": 1,
        "batch_size": 6,
        "eval_batch_size": 16,
        "max_steps_per_epoch": 2,
        "max_val_samples": 12,
        "tensorboard": False,
        "data": {
            "sources": [
                {
                    "format": "geotiff-csv",
                    "path": str(rgb_labels_csv.parent / "tiles"),
                    "labels_csv": str(rgb_labels_csv),
                }
            ],
            "sample_size": 64,
            "normalisation_scale": 255.0,
            "train_fraction": 0.6,
            "val_fraction": 0.2,
            "cache_dir": str(rgb_labels_csv.parent / "cache"),
        },
        "model": {"N": 16, "M": 16, "hash_bits": 16, "hash_hidden": 32, "tile_size": 64},
        "stage1": {"epochs": 1},
        "stage2": {"epochs": 1, "plateau_patience": 1},
        "stage3": {"epochs": 1, "num_samples_per_class": 2},
        "evaluation": {"test_on_finish": False, "map_at": [8]},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg
