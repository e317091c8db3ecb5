"""What an Item says about a source that the catalog does not hold: when it was acquired, and
under which licence it may be shared.

STAC needs one datetime per Item. The best is the acquisition time a raster carries in its
metadata (``TIFFTAG_DATETIME``, ``ACQUISITIONDATETIME`` and the keys satellite products use, or a
BigEarthNet patch's ``*_labels_metadata.json``); without one, the file's modification time as the
catalog recorded it at compress time, which needs no access to the file. ``origin`` says which
one it is, so a reader never mistakes a file time for an acquisition time. The source files are
only read (tags and a side-car JSON), never written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: metadata keys holding the acquisition time, best first (compared without case)
DATETIME_TAGS = (
    "TIFFTAG_DATETIME", "ACQUISITIONDATETIME", "ACQUISITION_DATETIME", "ACQUISITION_DATE",
    "DATE_ACQUIRED", "SENSING_TIME", "DATATAKE_1_DATATAKE_SENSING_START", "PRODUCT_START_TIME",
    "DATETIME",
)  # fmt: skip
#: metadata keys holding a licence identifier (an SPDX id such as CC-BY-4.0)
LICENSE_TAGS = ("LICENSE", "LICENCE")
#: what STAC accepts as a licence: an SPDX identifier, or "other"
LICENSE_PATTERN = re.compile(r"^[\w\-\.\+]+$")
FILE_MTIME = "file_mtime"


@dataclass(frozen=True)
class SourceFacts:
    acquired: datetime
    origin: str  # the metadata key it came from, or "file_mtime"
    license: str | None


def parse_datetime(text: str) -> datetime | None:
    """A metadata date as an aware datetime (UTC when it names no zone), or None.

    Accepts ISO 8601 and the TIFF form ``YYYY:MM:DD HH:MM:SS``.
    """
    text = str(text).strip()
    tiff = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2})([ T].*)?", text)
    if tiff:
        text = f"{tiff[1]}-{tiff[2]}-{tiff[3]}{tiff[4] or ''}"
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def source_facts(source: dict[str, Any]) -> SourceFacts:
    """The facts of a catalog ``sources`` row: acquisition time (or file mtime) and licence."""
    files = [Path(f) for f in json.loads(source.get("files") or "[]")] or [Path(source["path"])]
    tags = _tags(files[0])
    license_id = None
    for key in LICENSE_TAGS:
        value = tags.get(key)
        if value and LICENSE_PATTERN.match(value):
            license_id = value
            break
    for key in DATETIME_TAGS:
        if key in tags and (when := parse_datetime(tags[key])) is not None:
            return SourceFacts(when, key, license_id)
    sidecar = _labels_metadata(Path(source["path"]), files[0])
    if sidecar is not None:
        return SourceFacts(sidecar[0], sidecar[1], license_id)
    mtime = datetime.fromtimestamp(float(source["mtime"]), tz=UTC)
    return SourceFacts(mtime, FILE_MTIME, license_id)


def _tags(path: Path) -> dict[str, str]:
    """The raster's metadata of the default domain, keys upper-cased; empty when unreadable."""
    if not path.is_file():
        return {}
    try:
        import rasterio

        with rasterio.open(path) as ds:
            return {str(k).upper(): str(v) for k, v in ds.tags().items()}
    except Exception:  # noqa: BLE001 (a file that moved or changed since compress: no tags)
        return {}


def _labels_metadata(source: Path, first_file: Path) -> tuple[datetime, str] | None:
    """A BigEarthNet patch's ``<name>_labels_metadata.json`` ``acquisition_date``, if any."""
    folder = source if source.is_dir() else first_file.parent
    candidate = folder / f"{folder.name}_labels_metadata.json"
    if not candidate.is_file():
        return None
    try:
        value = json.loads(candidate.read_text(encoding="utf-8")).get("acquisition_date")
    except (OSError, ValueError, AttributeError):
        return None
    when = parse_datetime(value) if value else None
    return (when, f"{candidate.name}:acquisition_date") if when else None
