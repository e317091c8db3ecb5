"""BigEarthNet-S2 v1 folder layout: one folder per patch, one GeoTIFF per band.

``<root>/<patch>/<patch>_B01.tif ... _B12.tif, _B8A.tif`` (B10 absent) and
``<patch>_labels_metadata.json`` with 43-class CORINE names. 10 m bands are 120x120, 20 m bands
60x60 and 60 m bands 20x20; as in the SCI-CBIR paper the coarser bands are upsampled to 120x120
by cubic interpolation. Labels are mapped to the 19-class nomenclature unless
``nomenclature: 43`` is asked for. The archive's snow/cloud lists
(``patches_with_seasonal_snow.csv``, ``patches_with_cloud_and_shadow.csv``) and its
``train.csv``/``val.csv``/``test.csv`` split files are honoured when given.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.training.datasets.base import S2_BANDS_12, SampleList, SampleRef, read_raster
from scicbir.training.datasets.base import require_dir as _require_dir
from scicbir.training.datasets.labels import BEN19_CLASSES, BEN43_CLASSES, map_43_to_19

PATCH_SIZE = 120


def read_name_list(path: str | Path) -> list[str]:
    """First column of every row of a CSV/text file of patch names (a header row is skipped)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError(
            f"patch list '{p}' does not exist; fix the path in the data section of the "
            "training configuration or remove the entry"
        )
    names = []
    with p.open(newline="") as fh:
        for row in csv.reader(fh):
            if row and row[0].strip() and not row[0].strip().lower().startswith(("name", "patch")):
                names.append(row[0].strip())
    return names


def upsample_cubic(band: np.ndarray, size: int) -> np.ndarray:
    """Cubic (bicubic convolution) resampling of one (h, w) band to (size, size)."""
    if band.shape == (size, size):
        return band
    import torch

    t = torch.from_numpy(np.ascontiguousarray(band, dtype=np.float32))[None, None]
    out = torch.nn.functional.interpolate(t, size=(size, size), mode="bicubic", align_corners=False)
    return out[0, 0].numpy()


class BigEarthNetAdapter:
    """Lists and reads BigEarthNet-S2 v1 patches."""

    def __init__(
        self,
        path: str | Path,
        nomenclature: int = 19,
        exclude: Sequence[str | Path] = (),
        splits: Mapping[str, str | Path] | None = None,
    ) -> None:
        self.root = _require_dir(path, "BigEarthNet-S2")
        if nomenclature not in (19, 43):
            raise InputError(f"BigEarthNet 'nomenclature' must be 19 or 43, not {nomenclature}")
        self.nomenclature = nomenclature
        self.exclude = list(exclude)
        self.splits = dict(splits or {})

    def _labels(self, folder: Path) -> tuple[str, ...]:
        meta = folder / f"{folder.name}_labels_metadata.json"
        try:
            names = json.loads(meta.read_text())["labels"]
        except FileNotFoundError as exc:
            raise InputError(
                f"'{meta}' is missing: every BigEarthNet patch folder needs its labels file"
            ) from exc
        except (ValueError, KeyError) as exc:
            raise InputError(f"'{meta}' is not a BigEarthNet labels file ({exc})") from exc
        if self.nomenclature == 43:
            unknown = [n for n in names if n not in BEN43_CLASSES]
            if unknown:
                raise InputError(f"'{meta}' has labels outside the 43 CORINE classes: {unknown}")
            return tuple(c for c in BEN43_CLASSES if c in names)
        try:
            return map_43_to_19(names)
        except KeyError as exc:
            raise InputError(
                f"'{meta}' has the label {exc} that is not one of BigEarthNet's 43 CORINE classes"
            ) from exc

    def list(self) -> SampleList:
        excluded: set[str] = set()
        for path in self.exclude:
            excluded.update(read_name_list(path))
        assigned: dict[str, str] = {}
        for split, path in self.splits.items():
            if split not in ("train", "val", "test"):
                raise InputError(f"split '{split}' is not one of train, val, test")
            for name in read_name_list(path):
                assigned[name] = split
        samples: list[SampleRef] = []
        notes: list[str] = []
        dropped_unlabelled = 0
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            name = folder.name
            if name in excluded or (assigned and name not in assigned):
                continue
            files = tuple(str(folder / f"{name}_{band}.tif") for band in S2_BANDS_12)
            missing = [f for f in files if not Path(f).is_file()]
            if missing:
                raise InputError(
                    f"BigEarthNet patch folder '{folder}' lacks {Path(missing[0]).name}; "
                    "restore the band file or move the folder out of the dataset"
                )
            labels = self._labels(folder)
            if not labels:
                dropped_unlabelled += 1
                continue
            samples.append(SampleRef(name, files, labels, assigned.get(name)))
        if dropped_unlabelled:
            notes.append(f"{dropped_unlabelled} patches without a 19-class label left out")
        if excluded:
            notes.append(f"{len(excluded)} patch names on the snow/cloud exclusion lists")
        if not samples:
            raise InputError(
                f"no BigEarthNet patch folders found in '{self.root}' (expected "
                "<patch>/<patch>_B02.tif ...); check 'path', 'exclude' and 'splits'"
            )
        classes = BEN19_CLASSES if self.nomenclature == 19 else BEN43_CLASSES
        return SampleList(samples, S2_BANDS_12, classes, notes)

    def read(self, sample: SampleRef) -> np.ndarray:
        bands = []
        for path in sample.paths:
            band = read_raster(path)[0]
            bands.append(upsample_cubic(band, PATCH_SIZE))
        return np.stack(bands).astype(np.float32)
