"""The value scale of a dataset, read from its files: ``normalisation_offset`` and
``normalisation_scale`` such that the network sees values in about [0, 1].

A model subtracts its offset from the physical values of each band and divides by its scale. A
wrong scale fails silently and costs the model: 8-bit images divided by 10000 lie in
[0, 0.026], the codec learns near-black tiles and decodes real images to coloured noise. So a
training run whose data does not come from its recipe takes the scale from the data
(``normalisation_scale: auto``), by this rule on a sample of the files (dtype and values):

| data | offset | scale |
|---|---|---|
| 8-bit integers, or integers that never exceed 255 | 0 | 255 |
| 16-bit reflectance x 10000 (Sentinel-2 L1C/L2A digital numbers): 99 % of the values up to 15000 and dark pixels (0.1th percentile) below 3000 | 0 | 10000 |
| other non-negative integers (e.g. Landsat level-1 digital numbers) | 0 | the 99.9th percentile, rounded up to two significant digits |
| floating point, or integers with negative values | 0.1th percentile | 99.9th minus 0.1th percentile |

Nodata pixels are left out. ``inspect_dataset`` also counts the samples of each split (for the
"dataset too small" warning of the training dialog).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from scicbir.errors import InputError
from scicbir.progress import Progress, no_progress
from scicbir.training.config import DataConfig, TrainConfig

AUTO = "auto"
MAX_FILES = 48  # files read to find the value range (spread over the dataset)
MAX_SIDE = 512  # larger rasters are read decimated
VALUES_PER_FILE = 20000
REFLECTANCE_P99_MAX = 15000.0
REFLECTANCE_DARK_MAX = 3000.0


@dataclass
class ValueScale:
    """The proposed ``(x - offset) / scale`` and what it was read from.

    ``kind``: ``8-bit``, ``reflectance`` (16-bit reflectance x 10000), ``integer`` (other
    non-negative integers), ``float`` (floating point or signed integers).
    """

    offset: float
    scale: float
    kind: str
    dtype: str
    min: float
    p99: float
    max: float
    files: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DatasetFacts:
    """What the training dialog shows before a run: sizes, bands, the value scale."""

    samples: int
    train: int
    val: int
    test: int
    bands: list[str]
    labels: int
    value_scale: ValueScale
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["value_scale"] = self.value_scale.as_dict()
        return out


def propose(dtype: np.dtype | str, values: np.ndarray, files: int = 0) -> ValueScale:
    """The offset and scale for values of ``dtype`` (a sample of valid pixel values)."""
    dtype = np.dtype(dtype)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise InputError("the dataset's files hold no valid pixel values (all nodata?)")
    lo, p99, hi = np.percentile(values, [0.1, 99.0, 99.9]).tolist()
    vmin, vmax = float(values.min()), float(values.max())
    figures = {"dtype": dtype.name, "min": vmin, "p99": float(p99), "max": vmax, "files": files}
    integer = np.issubdtype(dtype, np.integer)
    if integer and vmin >= 0 and (dtype.itemsize == 1 or vmax <= 255):
        return ValueScale(0.0, 255.0, "8-bit", **figures)
    if integer and vmin >= 0:
        if p99 <= REFLECTANCE_P99_MAX and lo < REFLECTANCE_DARK_MAX:
            return ValueScale(0.0, 10000.0, "reflectance", **figures)
        return ValueScale(0.0, _round_up(max(hi, 1.0), 2), "integer", **figures)
    offset = _round(lo, 3)
    scale = _round_up(hi - offset, 3) if hi > offset else max(abs(hi), 1.0)
    return ValueScale(offset, scale, "float", **figures)


def _round(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    return float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))


def _round_up(value: float, digits: int) -> float:
    """``value`` rounded up to ``digits`` significant digits (8722 -> 8800)."""
    if value <= 0:
        return _round(value, digits)
    step = 10.0 ** (int(math.floor(math.log10(value))) - digits + 1)
    return float(math.ceil(value / step - 1e-9) * step)


def _read_sample(path: str, rng: np.random.Generator) -> tuple[np.dtype, np.ndarray]:
    """dtype and a subsample of the valid values of one raster (decimated when large)."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                factor = max(1, math.ceil(max(ds.width, ds.height) / MAX_SIDE))
                shape = (ds.count, max(1, ds.height // factor), max(1, ds.width // factor))
                data = ds.read(out_shape=shape, masked=True)
                dtype = np.dtype(ds.dtypes[0])
    except RasterioIOError as exc:
        raise InputError(f"cannot read raster '{path}': {exc}") from exc
    values = np.ma.compressed(data)
    if values.size > VALUES_PER_FILE:
        values = rng.choice(values, VALUES_PER_FILE, replace=False)
    return dtype, values


def _spread(items: list, n: int) -> list:
    if len(items) <= n:
        return items
    idx = np.linspace(0, len(items) - 1, n).round().astype(int)
    return [items[i] for i in sorted(set(idx.tolist()))]


def _widest(dtypes: list[np.dtype]) -> np.dtype:
    """Float if any file is float, else the largest integer type (signed if any is signed)."""
    floats = [d for d in dtypes if not np.issubdtype(d, np.integer)]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    return max(dtypes, key=lambda d: (d.itemsize, np.issubdtype(d, np.signedinteger)))


def value_scale_of(paths: list[str], max_files: int = MAX_FILES) -> ValueScale:
    """Read up to ``max_files`` of ``paths`` (spread over the list) and propose the scale."""
    chosen = _spread(list(dict.fromkeys(paths)), max_files)
    if not chosen:
        raise InputError("no raster files to read the value range from")
    rng = np.random.default_rng(0)
    dtypes, values = [], []
    for path in chosen:
        dtype, vals = _read_sample(path, rng)
        dtypes.append(dtype)
        values.append(vals)
    return propose(_widest(dtypes), np.concatenate(values), len(chosen))


def inspect_dataset(data: DataConfig, max_files: int = MAX_FILES) -> DatasetFacts:
    """List the samples of ``data.sources`` (as training does), count them per split and read a
    sample of their files for the value scale."""
    from scicbir.training.datasets import open_sources
    from scicbir.training.splits import assign_splits

    sources = open_sources(data)
    keys = [s.key.split(":", 1)[-1] for s in sources.samples]
    splits = assign_splits(
        keys,
        [s.split for s in sources.samples],
        data.train_fraction,
        data.val_fraction,
        data.split_salt,
    )
    # a few samples spread over the (key-sorted, so class-sorted) list: every class is seen
    paths = [p for s in _spread(sources.samples, max_files) for p in s.paths]
    return DatasetFacts(
        samples=len(sources.samples),
        train=int((splits == 0).sum()),
        val=int((splits == 1).sum()),
        test=int((splits == 2).sum()),
        bands=list(sources.bands),
        labels=len(sources.label_names),
        value_scale=value_scale_of(paths, max_files),
        notes=list(sources.notes),
    )


def needs_detection(cfg: TrainConfig) -> bool:
    return isinstance(cfg.data.normalisation_scale, str)


def resolve_value_scale(cfg: TrainConfig, progress: Progress | None = None) -> ValueScale | None:
    """Replace ``normalisation_scale: auto`` (and the offset) by the data's own; ``None`` when
    the configuration gives the scale itself."""
    scale = cfg.data.normalisation_scale
    if not isinstance(scale, str):
        return None
    if scale != AUTO:
        raise InputError(
            f"{cfg.source_file or 'training configuration'}: data.normalisation_scale must be a "
            f"number, a list of numbers (one per band) or 'auto', got '{scale}'"
        )
    (progress or no_progress)(0, 1, "reading a sample of the dataset for its value range", stage=0)
    from scicbir.training.datasets import open_sources

    sources = open_sources(cfg.data)
    paths = [p for s in _spread(sources.samples, MAX_FILES) for p in s.paths]
    found = value_scale_of(paths)
    cfg.data.normalisation_offset = found.offset
    cfg.data.normalisation_scale = found.scale
    return found
