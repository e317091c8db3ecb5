"""Sentinel-2 Level-1C and Level-2A products (SAFE folders) as sources, as users download them.

A product holds each band as its own JPEG 2000 (or GeoTIFF) file at its native resolution,
under ``GRANULE/<granule>/IMG_DATA/``: Level-1C puts ``T33UUP_20170613T101031_B01.jp2`` ..
``_B12.jp2`` (and ``_TCI.jp2``) there; Level-2A splits them into ``R10m/``, ``R20m/`` and
``R60m/`` with the resolution in the name (``..._B02_10m.jp2``), repeats most bands at the
coarser resolutions and adds scene classification, aerosol, water vapour and true-colour
files. Each granule becomes one source: for every band the file at its finest resolution,
in band order, named after the band (``B01`` .. ``B12``, ``B8A``); everything else (the
coarser copies, SCL/AOT/WVP/TCI, the masks in ``QI_DATA``, previews) is left out. The reader
(``RasterSource``) then resamples the 20 m and 60 m bands to the 10 m grid window by window,
so a whole 10980 x 10980 scene is never in memory; the model's bands are picked from the
source's by name, as for any source (Level-1C's B10 goes unused by a 12-band model).

A folder is a product when its name ends in ``.SAFE`` or it holds the product metadata file
(``MTD_MSIL1C.xml`` / ``MTD_MSIL2A.xml``), so a renamed or unzipped copy is still recognised.
"""

from __future__ import annotations

import re
from pathlib import Path

from scicbir.rasters.bands import sentinel2_id

PRODUCT_METADATA = ("MTD_MSIL1C.xml", "MTD_MSIL2A.xml")
_BAND_FILE = re.compile(
    r"^(?P<prefix>.+?)_(?P<band>B\d{2}|B8A)(?:_(?P<res>\d{2})m)?\.(jp2|tif|tiff)$", re.IGNORECASE
)


def is_product(folder: Path) -> bool:
    """Whether ``folder`` is a Sentinel-2 product (SAFE) folder."""
    if not folder.is_dir():
        return False
    if folder.name.upper().endswith(".SAFE"):
        return True
    return any((folder / name).is_file() for name in PRODUCT_METADATA)


def product_band_files(granule: Path) -> list[tuple[str, Path]]:
    """``(band id, file)`` of one granule: each band at its finest resolution, in band order."""
    image_data = granule / "IMG_DATA"
    root = image_data if image_data.is_dir() else granule
    best: dict[str, tuple[int, Path]] = {}
    for path in sorted(root.rglob("*")):
        match = _BAND_FILE.match(path.name)
        if not match or not path.is_file() or path.name.startswith("."):
            continue
        band = sentinel2_id(match.group("band"))
        if band is None:
            continue
        # Level-1C names carry no resolution: each band exists once, at its native one
        resolution = int(match.group("res")) if match.group("res") else 0
        if band not in best or resolution < best[band][0]:
            best[band] = (resolution, path)
    return sorted(((b, p) for b, (_r, p) in best.items()), key=lambda bp: _band_order(bp[0]))


def product_granules(product: Path) -> list[Path]:
    """The granule folders of a product (``GRANULE/*``), or the product itself when it has
    none (a product folder flattened to its band files)."""
    granules = product / "GRANULE"
    found = sorted(p for p in granules.iterdir() if p.is_dir()) if granules.is_dir() else []
    return found or [product]


def _band_order(band: str) -> float:
    return 8.5 if band == "B8A" else float(band[1:])
