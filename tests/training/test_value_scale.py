"""The value scale read from the data: 8-bit -> 255, Sentinel-2 reflectance -> 10000, other
16-bit -> a high percentile, float -> the percentile range (real samples of tests/data)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from scicbir.training.config import DataConfig, SourceConfig, TrainConfig
from scicbir.training.value_scale import (
    inspect_dataset,
    propose,
    resolve_value_scale,
    value_scale_of,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def rgb_classes(root: Path) -> Path:
    """The two 8-bit RGB rasters of tests/data/rgb as a class-folder dataset."""
    for tif in sorted((DATA / "rgb").glob("*.tif")):
        (root / tif.stem).mkdir(parents=True)
        shutil.copy(tif, root / tif.stem / tif.name)
    return root


def test_8bit_rgb_rasters_are_divided_by_255():
    found = value_scale_of([str(p) for p in sorted((DATA / "rgb").glob("*.tif"))])
    assert (found.offset, found.scale, found.kind, found.dtype) == (0.0, 255.0, "8-bit", "uint8")
    assert found.files == 2 and 0 <= found.min < found.max <= 255


def test_sentinel2_digital_numbers_are_reflectance_times_10000(eurosat_classes):
    eurosat = value_scale_of([str(p) for p in sorted((DATA / "eurosat").glob("*.tif"))])
    bigearthnet = value_scale_of([str(p) for p in sorted((DATA / "bigearthnet").rglob("*.tif"))])
    for found in (eurosat, bigearthnet):
        assert (found.offset, found.scale, found.kind, found.dtype) == (
            0.0,
            10000.0,
            "reflectance",
            "uint16",
        )
    assert bigearthnet.files == 24  # 2 patches x 12 band files


def test_other_16bit_data_take_a_high_percentile():
    """Landsat 8 level-1 digital numbers (no dark pixels near 0): not reflectance x 10000."""
    found = value_scale_of([str(DATA / "landsat" / "landsat8_224078_crop.tif")])
    assert found.kind == "integer" and found.dtype == "uint16" and found.offset == 0.0
    assert 8000 < found.scale <= 16000  # 99.9th percentile, two significant digits
    assert found.scale == float(f"{found.scale:.2g}")


def test_float_and_signed_data_take_the_percentile_range():
    rng = np.random.default_rng(1)
    found = propose("float32", rng.uniform(-0.2, 0.6, 100_000))
    assert found.kind == "float"
    assert found.offset == pytest.approx(-0.2, abs=0.01)
    assert found.offset + found.scale == pytest.approx(0.6, abs=0.01)
    signed = propose("int16", rng.integers(-3000, 3000, 100_000))
    assert signed.kind == "float" and signed.offset < -2900 and signed.scale > 5800


def test_integers_stored_wide_but_within_255_are_8bit():
    assert propose("uint16", np.arange(256)).scale == 255.0


def test_inspect_counts_splits_bands_and_reads_the_scale(tmp_path):
    data = DataConfig(sources=[SourceConfig("class-folder", str(rgb_classes(tmp_path / "rgb")))])
    facts = inspect_dataset(data)
    assert facts.samples == 2 and facts.train + facts.val + facts.test == 2
    assert facts.bands == ["red", "green", "blue"] and facts.labels == 2
    assert facts.value_scale.scale == 255.0
    assert facts.as_dict()["value_scale"]["kind"] == "8-bit"


def test_auto_scale_is_resolved_before_training(eurosat_classes):
    cfg = TrainConfig()
    cfg.data.sources = [SourceConfig("class-folder", str(eurosat_classes))]
    cfg.data.normalisation_scale = "auto"
    found = resolve_value_scale(cfg)
    assert found.kind == "reflectance"
    assert (cfg.data.normalisation_offset, cfg.data.normalisation_scale) == (0.0, 10000.0)
    assert resolve_value_scale(cfg) is None  # a given scale is kept
