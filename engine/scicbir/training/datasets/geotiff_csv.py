"""Generic layout: a folder of GeoTIFFs plus an optional labels CSV.

The CSV names a file per row (column ``file``, ``path``, ``name`` or the first column, relative
to the folder). Labels are either one column ``labels`` with names separated by ``;`` or ``|``,
or one 0/1 column per label. Without a CSV every ``*.tif`` is used without labels (enough for
the compression stages; the hashing stage needs labels). Band names come from ``band_names`` in
the configuration, else from the band count (13 = EuroSAT MS, 12 = BigEarthNet order, 3 = RGB),
else ``band1..bandN``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from scicbir.errors import InputError
from scicbir.training.datasets.base import (
    S2_BANDS_12,
    SampleList,
    SampleRef,
    band_count,
    read_raster,
    reorder_bands,
    require_dir,
)
from scicbir.training.datasets.class_folder import EUROSAT_13, bands_for_count

FILE_COLUMNS = ("file", "path", "name", "filename", "image")


class GeoTiffCsvAdapter:
    """Lists GeoTIFFs of a folder with labels from a CSV."""

    def __init__(
        self,
        path: str | Path,
        labels_csv: str | Path | None = None,
        band_names: list[str] | None = None,
    ) -> None:
        self.root = require_dir(path, "GeoTIFF")
        self.labels_csv = Path(labels_csv).expanduser() if labels_csv else None
        self.band_names = tuple(band_names) if band_names else None
        self._file_bands: tuple[str, ...] | None = None

    def _rows(self) -> list[tuple[str, tuple[str, ...]]]:
        assert self.labels_csv is not None
        if not self.labels_csv.is_file():
            raise InputError(f"labels CSV '{self.labels_csv}' does not exist; fix 'labels_csv'")
        with self.labels_csv.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip() for f in (reader.fieldnames or [])]
            if not fields:
                raise InputError(f"labels CSV '{self.labels_csv}' has no header row")
            file_col = next((f for f in fields if f.lower() in FILE_COLUMNS), fields[0])
            rows = []
            for raw in reader:
                row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
                if "labels" in row:
                    labels = tuple(x.strip() for x in re.split(r"[;|]", row["labels"]) if x.strip())
                else:
                    labels = tuple(
                        k for k, v in row.items() if k != file_col and v not in ("", "0", "0.0")
                    )
                rows.append((row[file_col], labels))
        return rows

    def list(self) -> SampleList:
        if self.labels_csv is not None:
            rows = self._rows()
        else:
            rows = [
                (p.name, ())
                for p in sorted(self.root.iterdir())
                if p.suffix.lower() in (".tif", ".tiff")
            ]
        samples = []
        names: list[str] = []
        for file, labels in rows:
            path = self.root / file
            if not path.is_file():
                raise InputError(
                    f"'{self.labels_csv}' lists '{file}' but '{path}' does not exist; restore it "
                    "or remove its row"
                )
            samples.append(SampleRef(file, (str(path),), labels))
            names.extend(n for n in labels if n not in names)
        if not samples:
            raise InputError(f"no GeoTIFFs found in '{self.root}'")
        count = band_count(samples[0].paths[0])
        if self.band_names:
            if len(self.band_names) != count:
                raise InputError(
                    f"'band_names' lists {len(self.band_names)} bands but '{samples[0].paths[0]}'"
                    f" has {count}; list one name per band of the files"
                )
            self._file_bands = self.band_names
        else:
            try:
                self._file_bands = bands_for_count(count, samples[0].paths[0])
            except InputError:
                self._file_bands = tuple(f"band{i + 1}" for i in range(count))
        # EuroSAT MS files are served without B10, in BigEarthNet's band order.
        self._out_bands = S2_BANDS_12 if self._file_bands == EUROSAT_13 else self._file_bands
        bands = self._out_bands
        return SampleList(samples, bands, tuple(names))

    def read(self, sample: SampleRef) -> np.ndarray:
        array = read_raster(sample.paths[0])
        if self._file_bands is None:
            self.list()
        assert self._file_bands is not None
        if array.shape[0] != len(self._file_bands):
            raise InputError(
                f"'{sample.paths[0]}' has {array.shape[0]} bands, the first file had "
                f"{len(self._file_bands)}; all files of a dataset need the same bands"
            )
        return reorder_bands(array, self._file_bands, self._out_bands, sample.paths[0])
