"""The ``search`` method: a region of a raster -> ranked archive tiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scicbir.service.availability import require
from scicbir.service.params import Params

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.search"


def search(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    p = Params("search", params, ("archive", "raster", "bbox", "geometry", "crs", "k", "tile"))
    p.path("archive", required=True)
    search_region = require(MODULE, "search_region", "search")
    raise NotImplementedError(search_region)
