"""Search results as GeoJSON (RFC 7946), for tools and scripts that read no GeoPackage.

One FeatureCollection in EPSG:4326 longitude/latitude (the only CRS RFC 7946 allows; the
catalog keeps footprints in it already): one Polygon feature per hit, best first, with the
same properties as the GeoPackage's ``results`` layer. What was searched travels as two
foreign members at the top level, which RFC 7946 allows and GeoJSON readers ignore:
``query`` (the ``QueryRecord``) and ``query_tiles`` (the query tiles with their footprints as
GeoJSON geometries). Written under a temporary name and renamed, like the GeoPackage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.search.hits import SearchResult
from scicbir.search.query_record import QueryRecord


def _polygon(ring: list[Any] | None) -> dict[str, Any] | None:
    if not ring:
        return None
    coords = [[float(x), float(y)] for x, y in ring]
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    if _signed_area(coords) < 0:  # RFC 7946: exterior rings counterclockwise
        coords.reverse()
    return {"type": "Polygon", "coordinates": [coords]}


def _signed_area(coords: list[list[float]]) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(coords[:-1], coords[1:], strict=True)
    )


def results_feature_collection(
    result: SearchResult, query: QueryRecord | None = None
) -> dict[str, Any]:
    """The FeatureCollection of ``result`` (see the module docstring)."""
    features = []
    for h in result.hits:
        properties = {
            "rank": h.rank,
            "tile_id": h.tile_id,
            "distance": h.distance,
            "similarity": h.similarity,
            "soft_distance": h.soft_distance,
            "query_tile": h.query_tile,
            "source": h.source,
            "col": h.col,
            "row": h.row,
            "width": h.width,
            "height": h.height,
            "crs": h.crs,
            "decoded": h.decoded,
            "damaged": bool(h.damaged),
        }
        features.append(
            {
                "type": "Feature",
                "id": h.tile_id,
                "geometry": _polygon(h.footprint),
                "properties": properties,
            }
        )
    query_tiles = [
        {
            "query_tile": q.index,
            "col": q.col,
            "row": q.row,
            "width": q.valid_width,
            "height": q.valid_height,
            "cover": q.cover,
            "code_hex": q.code_hex,
            "geometry": _polygon(q.footprint),
        }
        for q in result.query_tiles
    ]
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if query is not None:
        collection["query"] = query.to_dict()
    collection["query_tiles"] = query_tiles
    return collection


def write_results_geojson(
    result: SearchResult, path: str | Path, query: QueryRecord | None = None
) -> Path:
    """Write ``result`` to the GeoJSON file ``path`` (replaced whole if it exists)."""
    path = Path(path)
    if not path.parent.exists():
        raise InputError(
            f"{path}: the folder {path.parent} does not exist; create it or choose another --out",
            file=str(path),
        )
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(results_feature_collection(result, query), fh, indent=1)
            fh.write("\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
