"""One search, as a typed request: what the CLI, the service and the Python API all build.

``SearchRequest`` holds every option of a query with its default, once; constructing one checks
the rules between options (a raster or a tile, not both; a region as bbox or geometry; a
GeoPackage or GeoJSON name for ``out``), so that each front door only maps its own input to
the fields:
``scicbir search`` maps argparse, the service maps JSON params (``from_params``), and
``scicbir.search.api.run_search`` runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.params import Params, ParamsError
from scicbir.search.query import DEFAULT_K

FEEDBACK_METHODS = ("logistic", "rocchio")
#: JSON params of ``search``; ``search.refine`` adds the feedback fields
FIELDS = (
    "archive", "raster", "bbox", "geometry", "crs", "tile", "k", "exclude_self",
    "bands", "band_names", "out", "decode",
)  # fmt: skip
REFINE_FIELDS = (*FIELDS, "relevant", "irrelevant", "method")


class RequestError(InputError):
    """A request whose options contradict each other; ``param`` names the one to change."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message, param=param)
        self.param = param


@dataclass(frozen=True)
class SearchRequest:
    """A query (a region or all of ``raster``, or the archive tile ``tile``) on ``archive``.

    ``relevant``/``irrelevant``: tile ids marked by the user; the whole archive is then ranked by
    relevance feedback (``feedback_method``). ``out``: write the results as a
    GeoPackage (or GeoJSON, by the name);
    ``decode``: write the hits as GeoTIFFs into this folder.
    """

    archive: str
    raster: str | None = None
    bbox: tuple[float, ...] | None = None
    geometry: str | dict[str, Any] | None = None
    crs: str | None = None
    tile: int | None = None
    k: int = DEFAULT_K
    exclude_self: bool = True
    bands: tuple[int | str, ...] | None = None
    band_names: tuple[str, ...] | str | None = None
    out: str | None = None
    decode: str | None = None
    backend: str = "auto"
    relevant: tuple[int, ...] = field(default_factory=tuple)
    irrelevant: tuple[int, ...] = field(default_factory=tuple)
    feedback_method: str = "logistic"

    def __post_init__(self) -> None:
        for name in ("bbox", "bands", "relevant", "irrelevant"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.band_names, list):
            object.__setattr__(self, "band_names", tuple(self.band_names))
        if (self.raster is None) == (self.tile is None):
            raise RequestError(
                "give either a raster (with a region as bbox or geometry, or alone for the "
                "whole raster) or a tile id",
                "raster",
            )
        if self.tile is not None and (self.bbox is not None or self.geometry is not None):
            raise RequestError("a tile query takes no region; drop bbox/geometry or tile", "tile")
        if self.bbox is not None and self.geometry is not None:
            raise RequestError("give the region as bbox or geometry, not both", "bbox")
        if self.bbox is not None and len(self.bbox) != 4:
            raise RequestError("bbox takes 4 numbers: xmin ymin xmax ymax", "bbox")
        if self.k < 1:
            raise RequestError("k must be at least 1", "k")
        if self.feedback_method not in FEEDBACK_METHODS:
            raise RequestError(
                f"the feedback method must be one of {', '.join(FEEDBACK_METHODS)}", "method"
            )
        if self.out is not None:
            _check_out(Path(self.out))

    @property
    def refining(self) -> bool:
        return bool(self.relevant or self.irrelevant)

    @classmethod
    def from_params(cls, params: dict[str, Any], method: str = "search") -> SearchRequest:
        """The request of the service's ``search`` / ``search.refine`` JSON params.

        Wrong types and contradicting options raise ``ParamsError`` naming the param (an
        ``invalid_params`` reply); a bad ``out`` raises ``InputError`` naming the file.
        """
        refining = method == "search.refine"
        p = Params(method, params, REFINE_FIELDS if refining else FIELDS)
        geometry = p.any("geometry")
        if geometry is not None and not isinstance(geometry, str | dict):
            raise ParamsError(method, "'geometry' must be WKT text or a GeoJSON object", "geometry")
        relevant = (p.int_list("relevant") or []) if refining else []
        irrelevant = (p.int_list("irrelevant") or []) if refining else []
        if refining and not relevant and not irrelevant:
            raise ParamsError(
                method, "give the tiles the user marked in 'relevant' and/or 'irrelevant'",
                "relevant",
            )  # fmt: skip
        bands = p.any("bands")
        band_names = p.any("band_names")
        out, decode = p.path("out"), p.path("decode")
        try:
            return cls(
                archive=str(p.path("archive", required=True)),
                raster=p.str("raster"),
                bbox=_tuple(p.number_list("bbox", 4)),
                geometry=geometry,
                crs=p.str("crs"),
                tile=p.int("tile", minimum=0),
                k=p.int("k", DEFAULT_K, minimum=1) or DEFAULT_K,
                exclude_self=bool(p.bool("exclude_self", True)),
                bands=_tuple(bands if isinstance(bands, list) else None),
                band_names=band_names if isinstance(band_names, str | list) else None,
                out=str(out) if out is not None else None,
                decode=str(decode) if decode is not None else None,
                relevant=tuple(relevant),
                irrelevant=tuple(irrelevant),
                feedback_method=(p.str("method", "logistic") if refining else None) or "logistic",
            )
        except RequestError as exc:
            raise ParamsError(method, str(exc), exc.param) from None


def _tuple(value: Sequence[Any] | None) -> tuple[Any, ...] | None:
    return tuple(value) if value is not None else None


def _check_out(out: Path) -> None:
    """Refuse a bad ``out`` before the work, not after it."""
    from scicbir.search.results import check_results_path

    check_results_path(out)
