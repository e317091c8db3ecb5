"""What a folder of rasters holds, read before a compression starts: files and band counts.

The engine codes every raster of an archive with one model. When the model cannot take a
raster's bands, the engine either picks the bands the model names (a 12-band Sentinel-2 tile
coded with an RGB model silently loses nine bands) or fails the file; both are found out only
after the run. Reading the band counts here first lets the panel warn before anything starts,
naming the files. The folder walk follows the engine's rules (``scicbir.rasters.discover``):
the same raster extensions, hidden files skipped, ``<prefix>_B01.tif``... band files grouped
into one source with one band per file.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import QgsProviderRegistry

# As the engine's ``RASTER_EXTENSIONS``: files with other extensions are not compressed.
RASTER_EXTENSIONS = frozenset(
    {
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
)
_BAND_FILE = re.compile(r"^(?P<prefix>.+)_(?P<band>B\d{2}|B8A)\.(tif|tiff|jp2)$", re.IGNORECASE)
#: Side-car files the engine skips silently; not worth naming as skipped.
SIDECARS = (".aux.xml", ".ovr", ".msk", ".tfw", ".prj", ".qml", ".xml", ".json")


@dataclass
class RasterFile:
    """One source as the engine will see it: ``bands`` 0 when GDAL cannot read it."""

    path: str
    bands: int
    error: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass
class FolderScan:
    """The sources of a folder (readable or not) and the files that are not rasters."""

    rasters: list[RasterFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def readable(self) -> list[RasterFile]:
        return [r for r in self.rasters if r.bands > 0]

    @property
    def unreadable(self) -> list[RasterFile]:
        return [r for r in self.rasters if r.bands <= 0]


def band_count(path: str) -> int:
    """Bands of a raster file read by GDAL (headers only), 0 when it cannot be opened."""
    provider = QgsProviderRegistry.instance().createProvider("gdal", path)
    if provider is None or not provider.isValid():
        return 0
    return int(provider.bandCount())


def scan_folder(folder: str) -> FolderScan:
    """The sources under ``folder`` (recursive) with their band counts, and the skipped files."""
    scan = FolderScan()
    root = Path(folder)
    if not root.is_dir():
        return scan
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        groups: dict[str, list[Path]] = defaultdict(list)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(here) / name
            match = _BAND_FILE.match(name)
            if match:
                groups[match.group("prefix")].append(path)
            elif path.suffix.lower() in RASTER_EXTENSIONS:
                scan.rasters.append(_raster(path))
            elif not name.lower().endswith(SIDECARS):
                scan.skipped.append(str(path))
        for prefix, paths in groups.items():
            if len(paths) == 1:
                scan.rasters.append(_raster(paths[0]))
                continue
            readable = all(band_count(str(p)) > 0 for p in paths)
            scan.rasters.append(RasterFile(str(Path(here) / prefix), len(paths) if readable else 0))
    scan.rasters.sort(key=lambda r: r.path)
    return scan


def _raster(path: Path) -> RasterFile:
    return RasterFile(str(path), band_count(str(path)))


def band_mismatches(
    scan: FolderScan, model_bands: int | None, selected: int | None = None
) -> list[RasterFile]:
    """The readable rasters the model cannot take as they are.

    ``model_bands``: bands of the chosen model, or None for the automatic choice, where the
    engine picks one model by the first readable raster's band count, so every raster with
    another count is a mismatch. ``selected``: how many bands the user named in "Bands" (each
    raster then gives that many, so only a model of another size is a mismatch).
    """
    readable = scan.readable
    if not readable:
        return []
    if model_bands is None:
        if selected:
            return []
        first = readable[0].bands
        return [r for r in readable if r.bands != first]
    if selected:
        return list(readable) if selected != model_bands else []
    return [r for r in readable if r.bands != model_bands]
