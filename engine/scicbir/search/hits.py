"""What a search answers: the query tiles it used and the ranked archive tiles, as plain data.

These objects are what the CLI prints (``--json``), what the service returns and what
``results.py`` writes to files; ``to_dict`` gives the JSON form of docs/protocol.md (footprints
as GeoJSON polygons in EPSG:4326, or ``None`` for images without a georeference; ``window`` as
``[col, row, width, height]`` in source pixels; ``path`` of the decoded GeoTIFF if any).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Ring = list[tuple[float, float]]


def ring_geojson(ring: Ring | None) -> dict[str, Any] | None:
    if not ring:
        return None
    points = [list(p) for p in ring]
    if points[0] != points[-1]:
        points.append(points[0])
    return {"type": "Polygon", "coordinates": [points]}


@dataclass
class QueryTile:
    """One model tile the query was made of (a region or raster query has several)."""

    index: int
    col: int
    row: int
    valid_width: int
    valid_height: int
    cover: float  # share of the tile inside the drawn region (1.0 for tile/raster queries)
    code_hex: str
    footprint: Ring | None = None  # EPSG:4326

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["footprint"] = ring_geojson(self.footprint)
        return out


@dataclass
class Hit:
    """One archive tile in the ranking."""

    rank: int
    tile_id: int
    distance: int  # Hamming distance to the best-matching query tile
    similarity: float  # 1 - distance / bits
    soft_distance: float | None  # tie-break score, see merge.py
    query_tile: int  # index of the best-matching query tile
    source: str  # source raster path as recorded in the archive
    col: int
    row: int
    width: int  # valid (unpadded) size of the tile
    height: int
    crs: str | None  # the source's CRS (WKT or EPSG code)
    footprint: Ring | None = None  # EPSG:4326
    decoded: str | None = None  # GeoTIFF written by --decode
    damaged: str | None = None  # why its record cannot be decoded (None: intact)
    score: float | None = None  # relevance-feedback score (refined rankings only; higher first)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rank": self.rank,
            "tile_id": self.tile_id,
            "distance": self.distance,
            "similarity": round(self.similarity, 6),
            "soft_distance": self.soft_distance,
            "query_tile": self.query_tile,
            "source": self.source,
            "window": [self.col, self.row, self.width, self.height],
            "crs": self.crs,
            "footprint": ring_geojson(self.footprint),
        }
        if self.decoded:
            out["path"] = self.decoded
        if self.damaged:
            out["damaged"] = self.damaged
        if self.score is not None:
            out["score"] = round(self.score, 6)
        return out


@dataclass
class SearchResult:
    """The answer to one query."""

    kind: str  # "region" | "tile" | "raster"
    bits: int
    k: int
    merge: str  # merge rule name ("min", see merge.py)
    query_tiles: list[QueryTile]
    hits: list[Hit]
    raster: str | None = None
    tile_id: int | None = None
    excluded: int = 0  # archive tiles left out as the query's own area
    timings_ms: dict[str, float] = field(default_factory=dict)
    backend: str = ""  # codec backend that hashed the query ("onnx" / "torch" / "catalog")
    #: the query tiles' hash-layer logits (q, bits), kept for relevance feedback; not in JSON
    query_logits: Any = field(default=None, repr=False, compare=False)
    #: ids of the tiles left out as the query's own area (a refinement leaves them out too)
    excluded_ids: Any = field(default=None, repr=False, compare=False)
    #: for a refined ranking: ``{"method", "relevant", "irrelevant"}`` (see feedback.py)
    feedback: dict[str, Any] | None = None
    #: below 1 when the archive is searched through an inverted file (``sized_index``): the
    #: recall@20 against exact search measured on the archive's codes when it was built
    index_recall: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "raster": self.raster,
            "tile_id": self.tile_id,
            "bits": self.bits,
            "k": self.k,
            "merge": self.merge,
            "excluded": self.excluded,
            "backend": self.backend,
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "query_tiles": [q.to_dict() for q in self.query_tiles],
            "results": [h.to_dict() for h in self.hits],
            **({"feedback": self.feedback} if self.feedback is not None else {}),
            **({"index_recall": round(self.index_recall, 4)} if self.index_recall < 1 else {}),
        }
