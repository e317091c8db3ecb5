"""The STAC export as a typed request and its answer: what ``scicbir archive stac``, the
service's ``archive.stac`` and the QGIS Processing algorithm build, with every default written
once; ``scicbir.stac.export.run_stac_export`` is the one entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scicbir.errors import InputError
from scicbir.params import Params, ParamsError
from scicbir.stac.facts import LICENSE_PATTERN

STAC_FIELDS = ("archive", "out", "license", "title")


@dataclass(frozen=True)
class StacExportRequest:
    """Export the archive folder ``archive`` as a static STAC catalog into the folder ``out``.

    ``license``: the Collection's licence (an SPDX id, or ``other``); None: the licence all
    sources declare in their metadata, else ``other``. ``title``: the Collection's title (None:
    from the archive folder's name).
    """

    archive: str
    out: str
    license: str | None = None
    title: str | None = None

    def __post_init__(self) -> None:
        if self.license is not None and not LICENSE_PATTERN.match(self.license):
            raise InputError(
                f"licence {self.license!r} is not an SPDX identifier (such as CC-BY-4.0 or "
                "MIT); give one, or 'other' for any other licence",
                reason="bad_license",
            )

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> StacExportRequest:
        """The request of the service's ``archive.stac`` params (``ParamsError`` names a bad one)."""
        p = Params("archive.stac", params, STAC_FIELDS)
        license_id = p.str("license")
        if license_id is not None and not LICENSE_PATTERN.match(license_id):
            raise ParamsError(
                "archive.stac",
                f"'license' must be an SPDX identifier or 'other', got {license_id!r}",
                "license",
            )
        return cls(
            archive=str(p.path("archive", required=True)),
            out=str(p.path("out", required=True)),
            license=license_id,
            title=p.str("title"),
        )


@dataclass
class StacExportAnswer:
    """What an export did. ``added``/``updated``/``removed``: Item ids; ``unchanged``: how many
    Item files were left as they were; ``validated``: objects checked against the bundled
    schemas (every one written)."""

    archive: str
    out: str
    collection: str
    items: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    collection_changed: bool = False
    validated: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "out": self.out,
            "collection": self.collection,
            "items": self.items,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "collection_changed": self.collection_changed,
            "validated": self.validated,
            "seconds": self.seconds,
        }
