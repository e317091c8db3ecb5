"""Finding the rasters under a folder, with one-file-per-band products grouped into one source.

A folder holding ``<prefix>_B01.tif``, ``<prefix>_B02.tif``, ... (BigEarthNet-S2 patches, and
Sentinel-2 band files named the same way) becomes one source whose bands are named after the
suffixes; a Sentinel-2 product folder (SAFE, Level-1C or 2A) gives one source per granule
with each band at its finest resolution (``sentinel2_product``); every other file with a raster
extension is a source of its own. Side-car files
(``.aux.xml``, ``.ovr``, ``.json``...) are not rasters and are skipped. Files that turn out to be
unreadable are not filtered here: opening them reports the error for that file only.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from scicbir.rasters.bands import sentinel2_id
from scicbir.rasters.sentinel2_product import is_product, product_band_files, product_granules

RASTER_EXTENSIONS = {
    ".tif",
    ".tiff",
    ".gtiff",
    ".jp2",
    ".j2k",
    ".png",
    ".jpg",
    ".jpeg",
    ".img",
    ".vrt",
    ".nc",
    ".hdf",
    ".h5",
    ".hdr",
    ".bil",
    ".bsq",
    ".bip",
    ".ecw",
    ".sid",
    ".webp",
    ".bmp",
    ".gif",
}
# Two-digit ids only: Landsat's "_B2.TIF" .. "_B11.TIF" must not be read as Sentinel-2 bands.
_BAND_FILE = re.compile(r"^(?P<prefix>.+)_(?P<band>B\d{2}|B8A)\.(tif|tiff|jp2)$", re.IGNORECASE)


@dataclass(frozen=True)
class SourceSpec:
    """Where one source's pixels are: ``path`` names it, ``files`` hold its bands in order."""

    path: Path
    files: tuple[Path, ...]
    band_names: tuple[str, ...] = field(default=())

    @property
    def multi_file(self) -> bool:
        return len(self.files) > 1


def find_sources(root: str | Path, exclude: list[Path] | None = None) -> list[SourceSpec]:
    """Every raster source under ``root`` (recursive, sorted by path), or ``root`` itself."""
    root = Path(root).resolve()
    if root.is_file():
        return [SourceSpec(root, (root,))]
    excluded = [p.resolve() for p in exclude or []]
    specs: list[SourceSpec] = []
    if is_product(root):
        return _product_specs(root)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if (here / d).resolve() not in excluded and not d.startswith(".")
        )
        products = [d for d in dirs if is_product(here / d)]
        for name in products:  # one source per granule; their masks and previews are not
            specs.extend(_product_specs(here / name))
        dirs[:] = [d for d in dirs if d not in products]
        groups: dict[str, list[tuple[str, Path]]] = defaultdict(list)
        singles = []
        for name in sorted(files):
            if name.startswith("."):
                continue
            match = _BAND_FILE.match(name)
            band = sentinel2_id(match.group("band")) if match else None
            if band:
                groups[match.group("prefix")].append((band, here / name))
            elif Path(name).suffix.lower() in RASTER_EXTENSIONS:
                singles.append(here / name)
        for prefix, bands in groups.items():
            if len(bands) == 1:  # a lone "_B02.tif" is an ordinary raster
                singles.append(bands[0][1])
                continue
            bands.sort(key=lambda b: _band_order(b[0]))
            path = (
                here if len(groups) == 1 and not singles and here.name == prefix else here / prefix
            )
            specs.append(SourceSpec(path, tuple(p for _, p in bands), tuple(b for b, _ in bands)))
        specs.extend(SourceSpec(p, (p,)) for p in singles)
    return sorted(specs, key=lambda s: str(s.path))


def _product_specs(product: Path) -> list[SourceSpec]:
    """The sources of a Sentinel-2 product: one per granule with band files."""
    granules = product_granules(product)
    specs = []
    for granule in granules:
        bands = product_band_files(granule)
        if not bands:
            continue
        path = product if len(granules) == 1 else granule
        specs.append(SourceSpec(path, tuple(p for _, p in bands), tuple(b for b, _ in bands)))
    return specs


def _band_order(band: str) -> float:
    return 8.5 if band == "B8A" else float(band[1:])
