"""Dataset adapters (BigEarthNet-S2, MLRSNet, class-per-folder, GeoTIFF + CSV, raster tiles).

``open_sources(config.data)`` lists every sample of every source with one label vocabulary and
one band list; ``cache.build_or_open`` then turns them into a memory-mapped tile array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scicbir.errors import InputError
from scicbir.training.config import DataConfig, SourceConfig
from scicbir.training.datasets.base import Adapter, SampleRef


@dataclass
class SourceSamples:
    """Samples of all sources, each with the adapter that reads it."""

    samples: list[SampleRef]
    readers: list[Adapter]
    resize: list[int | None]
    bands: tuple[str, ...]
    label_names: tuple[str, ...]
    notes: list[str]

    def read(self, i: int) -> np.ndarray:
        return self.readers[i].read(self.samples[i])


def make_adapter(src: SourceConfig) -> Adapter:
    """The adapter for one ``data.sources`` entry."""
    if src.format == "bigearthnet":
        from scicbir.training.datasets.bigearthnet import BigEarthNetAdapter

        return BigEarthNetAdapter(src.path, src.nomenclature, src.exclude, src.splits)
    if src.format == "mlrsnet":
        from scicbir.training.datasets.mlrsnet import MLRSNetAdapter

        return MLRSNetAdapter(src.path)
    if src.format == "class-folder":
        from scicbir.training.datasets.class_folder import ClassFolderAdapter

        return ClassFolderAdapter(src.path)
    if src.format == "geotiff-csv":
        from scicbir.training.datasets.geotiff_csv import GeoTiffCsvAdapter

        return GeoTiffCsvAdapter(src.path, src.labels_csv, src.band_names)
    if src.format == "raster-tiles":
        from scicbir.training.datasets.raster_tiles import RasterTilesAdapter

        return RasterTilesAdapter(src.path, src.tile, src.label_from, src.band_names)
    raise InputError(f"unknown dataset format '{src.format}'")


def open_sources(data: DataConfig) -> SourceSamples:
    """List all sources; they must share bands. Labels are the union, in first-seen order,
    of the classes that at least one sample carries."""
    samples: list[SampleRef] = []
    readers: list[Adapter] = []
    resize: list[int | None] = []
    labels: list[str] = []
    notes: list[str] = []
    bands: tuple[str, ...] | None = None
    for i, src in enumerate(data.sources):
        adapter = make_adapter(src)
        listed = adapter.list()
        if bands is None:
            bands = listed.bands
        elif listed.bands != bands:
            raise InputError(
                f"data.sources[{i}] ('{src.path}') has bands {list(listed.bands)} but the first "
                f"source has {list(bands)}; one model needs one band list"
            )
        chosen = sorted(listed.samples, key=lambda s: s.key)
        if src.max_samples is not None:
            chosen = _spread(chosen, src.max_samples)
        for s in chosen:
            # keys are made unique across sources by the source index
            samples.append(SampleRef(f"{i}:{s.key}", s.paths, s.labels, s.split))
            readers.append(adapter)
            resize.append(src.resize)
        labels.extend(n for n in listed.label_names if n not in labels)
        notes.extend(f"{src.path}: {n}" for n in listed.notes)
    assert bands is not None
    used = {name for s in samples for name in s.labels}
    unused = [n for n in labels if n not in used]
    if unused:  # a class no sample carries cannot be learnt or retrieved
        notes.append(f"{len(unused)} classes without samples left out of the label list")
    return SourceSamples(
        samples, readers, resize, bands, tuple(n for n in labels if n in used), notes
    )


def _spread(samples: list[SampleRef], n: int) -> list[SampleRef]:
    """Up to ``n`` samples spread evenly over the (key-sorted) list, so every class keeps some."""
    if n >= len(samples):
        return samples
    idx = np.linspace(0, len(samples) - 1, n).round().astype(int)
    return [samples[i] for i in sorted(set(idx.tolist()))]
