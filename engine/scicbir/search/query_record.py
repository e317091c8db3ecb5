"""What was searched, kept beside the results so that a results file explains itself.

A GeoPackage or GeoJSON of results is often opened days later, by someone else, in another
tool. ``QueryRecord`` is the query as the user gave it (kind, region as WKT in its own CRS, the
query raster or tile), where it ran (archive folder, model id, checksum and rate point, code
length) and when (UTC), so a results file can be traced back to its archive and re-run.
``results.py`` writes it into the GeoPackage's metadata and ``results_geojson.py`` into the
GeoJSON's top level.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from scicbir.search.hits import SearchResult


@dataclass(frozen=True)
class QueryRecord:
    """One query and the archive it ran on (every field JSON-ready)."""

    kind: str  # "region" | "raster" | "tile"
    archive: str
    raster: str | None
    tile_id: int | None
    region_wkt: str | None  # the region as given (a bbox becomes a polygon), in region_crs
    region_geojson: dict[str, Any] | None  # a region given as GeoJSON, as given
    region_crs: str | None  # CRS of the region; None = the query raster's CRS
    k: int
    bits: int
    model_id: str
    model_checksum: str
    model_quality: int | None
    searched_utc: str
    engine_version: str
    feedback: dict[str, Any] | None = None

    @classmethod
    def of(cls, request: Any, result: SearchResult, model: Any) -> QueryRecord:
        """The record of ``request`` (a ``SearchRequest``) answered by ``result`` on an archive
        whose model identity is ``model`` (``ModelIdentity``)."""
        from scicbir import __version__

        region_wkt, region_geojson = _region(request)
        return cls(
            kind=result.kind,
            archive=str(request.archive),
            raster=str(request.raster) if request.raster is not None else None,
            tile_id=result.tile_id,
            region_wkt=region_wkt,
            region_geojson=region_geojson,
            region_crs=request.crs if (region_wkt or region_geojson) else None,
            k=result.k,
            bits=result.bits,
            model_id=str(model.model_id),
            model_checksum=str(model.checksum),
            model_quality=model.quality,
            searched_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            engine_version=str(__version__),
            feedback=result.feedback,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def items(self) -> list[tuple[str, str]]:
        """Flat ``SCICBIR_*`` key/value text pairs (GDAL metadata items), unset fields left out."""
        pairs = []
        for key, value in self.to_dict().items():
            if value is None:
                continue
            text = json.dumps(value) if isinstance(value, dict) else str(value)
            pairs.append((f"SCICBIR_{key.upper()}", text))
        return pairs


def _region(request: Any) -> tuple[str | None, dict[str, Any] | None]:
    if request.bbox is not None:
        x0, y0, x1, y1 = (float(v) for v in request.bbox)
        ring = f"{x0!r} {y0!r}, {x1!r} {y0!r}, {x1!r} {y1!r}, {x0!r} {y1!r}, {x0!r} {y0!r}"
        return f"POLYGON (({ring}))", None
    if isinstance(request.geometry, str):
        text = request.geometry.strip()
        if text.startswith("{"):  # GeoJSON given as text
            return None, json.loads(text)
        return text, None
    if isinstance(request.geometry, dict):
        return None, request.geometry
    return None, None
