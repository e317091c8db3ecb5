"""The ``search`` method: a region, a whole raster or an archive tile -> ranked archive tiles.

The archive's ``Searcher`` (hasher + faiss index) is loaded on the first query and kept, so an
interactive user's next query costs only reading, hashing and ranking.

``search.refine`` takes the same query plus the tiles the user marked (``relevant``,
``irrelevant``) and answers the whole archive re-ranked by relevance feedback
(``Searcher.refine``, the same entry point as ``scicbir search --relevant``). The query is sent
again rather than kept in the engine, so a refinement also works after an engine restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scicbir.errors import InputError
from scicbir.service.availability import require
from scicbir.service.params import Params, ParamsError

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.search.query"
ACCEPTED = (
    "archive", "raster", "bbox", "geometry", "crs", "tile", "k", "exclude_self",
    "bands", "band_names", "out", "decode",
)  # fmt: skip
REFINE_ACCEPTED = (*ACCEPTED, "relevant", "irrelevant", "method")


def search(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    return _search(service, params, "search")


def refine(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    return _search(service, params, "search.refine")


def _search(service: Service, params: dict[str, Any], name: str) -> dict[str, Any]:
    refining = name == "search.refine"
    p = Params(name, params, REFINE_ACCEPTED if refining else ACCEPTED)
    folder = p.path("archive", required=True)
    raster = p.str("raster")
    tile = p.int("tile", minimum=0)
    bbox = p.number_list("bbox", 4)
    geometry = p.any("geometry")
    if geometry is not None and not isinstance(geometry, str | dict):
        raise ParamsError("search", "'geometry' must be WKT text or a GeoJSON object", "geometry")
    k = p.int("k", 20, minimum=1)
    exclude_self = p.bool("exclude_self", True)
    bands = p.any("bands")
    band_names = p.any("band_names")
    out = p.path("out")
    decode_dir = p.path("decode")
    relevant = p.int_list("relevant") or [] if refining else []
    irrelevant = p.int_list("irrelevant") or [] if refining else []
    method = p.str("method", "logistic") if refining else "logistic"
    if refining and not relevant and not irrelevant:
        raise ParamsError(
            name, "give the tiles the user marked in 'relevant' and/or 'irrelevant'", "relevant"
        )
    if (tile is None) == (raster is None):
        raise ParamsError(
            name,
            "give either 'raster' (with 'bbox' or 'geometry', or alone "
            "for the whole raster) or 'tile' (an archive tile id)",
            "raster",
        )
    if bbox is not None and geometry is not None:
        raise ParamsError(name, "give the region as 'bbox' or 'geometry', not both", "bbox")
    if out is not None and (out.suffix.lower() != ".gpkg" or not out.parent.is_dir()):
        raise InputError(
            f"search: 'out' {out} must be a .gpkg file in an existing folder", file=str(out)
        )
    require(MODULE, "Searcher", name)
    searcher = service.objects.searcher(folder)
    if tile is not None:
        result = searcher.search_tile(tile, k=k, exclude_self=exclude_self)
    elif bbox is not None or geometry is not None:
        result = searcher.search_region(
            raster, geometry=geometry, bbox=bbox, crs=p.str("crs"), k=k,
            exclude_self=exclude_self, bands=bands, band_names=band_names,
        )  # fmt: skip
    else:
        result = searcher.search_raster(
            raster, k=k, exclude_self=exclude_self, bands=bands, band_names=band_names
        )
    if refining:
        result = searcher.refine(result, relevant, irrelevant, k, method or "logistic")
    if decode_dir is not None:
        decode_hits = require("scicbir.search.results", "decode_hits", "search")
        archive_type = require("scicbir.archive.store", "Archive", "search")
        with archive_type.open(folder, read_only=True) as archive:
            service.objects.bind(archive)
            decode_hits(result, archive, decode_dir)
    if out is not None:
        write_results_gpkg = require("scicbir.search.results", "write_results_gpkg", "search")
        write_results_gpkg(result, out)
    answer = result.to_dict()
    answer["archive"] = str(folder)
    answer["out"] = str(out) if out is not None else None
    return answer
