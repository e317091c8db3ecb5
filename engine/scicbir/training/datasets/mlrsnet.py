"""MLRSNet layout: ``Images/<category>/<image>.jpg`` and ``labels/<category>.csv``.

Each category CSV has a header ``image,<label 1>,...,<label 60>`` and one 0/1 row per image of
that category (multi-label). RGB JPEGs.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.training.datasets.base import RGB_BANDS, SampleList, SampleRef, read_raster
from scicbir.training.datasets.base import require_dir as _require_dir


def _find(root: Path, *names: str) -> Path:
    for name in names:
        if (root / name).is_dir():
            return root / name
    raise InputError(
        f"MLRSNet folder '{root}' has no '{names[0]}' sub-folder; point 'path' at the folder "
        "that holds Images/ and labels/"
    )


class MLRSNetAdapter:
    """Lists MLRSNet images with their multi-labels from the per-category CSVs."""

    def __init__(self, path: str | Path) -> None:
        self.root = _require_dir(path, "MLRSNet")

    def list(self) -> SampleList:
        images = _find(self.root, "Images", "images")
        labels_dir = _find(self.root, "labels", "Labels")
        samples: list[SampleRef] = []
        label_names: list[str] = []
        for table in sorted(labels_dir.glob("*.csv")):
            category = table.stem
            with table.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if not header or len(header) < 2:
                    raise InputError(f"'{table}' has no header row 'image,<label>,...'")
                names = [h.strip() for h in header[1:]]
                for n in names:
                    if n not in label_names:
                        label_names.append(n)
                for row in reader:
                    if not row:
                        continue
                    file = images / category / row[0].strip()
                    if not file.suffix:
                        file = file.with_suffix(".jpg")
                    if not file.is_file():
                        raise InputError(
                            f"'{table}' lists '{row[0]}' but '{file}' does not exist; restore the "
                            "image or remove its row"
                        )
                    try:
                        flags = [float(v) > 0.5 for v in row[1:]]
                    except ValueError as exc:
                        raise InputError(f"'{table}': row '{row[0]}' has a non 0/1 value") from exc
                    labels = tuple(n for n, f in zip(names, flags, strict=False) if f)
                    samples.append(SampleRef(f"{category}/{file.name}", (str(file),), labels))
        if not samples:
            raise InputError(f"no labelled images found under '{self.root}' (labels/*.csv)")
        return SampleList(samples, RGB_BANDS, tuple(label_names))

    def read(self, sample: SampleRef) -> np.ndarray:
        array = read_raster(sample.paths[0])
        if array.shape[0] != 3:
            raise InputError(f"'{sample.paths[0]}' has {array.shape[0]} bands, MLRSNet is RGB")
        return array
