"""The prepared-source step shared by compress and search: which raster bands feed the model's
bands, and which normalisation maps their values to the model's input.

Compress runs it on every source it stores (``compress.prepare_source``), search on every query
raster that the archive does not hold unchanged (``search.query``): a query's tiles are then
read, mapped and normalised exactly as the archive's were, so equal pixels give equal codes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from scicbir.archive.normalise import choose_normalisation, model_normalisation
from scicbir.codec.normalisation import Normalisation


def map_to_model(
    path: str,
    source: Any,
    model_bands: Sequence[str],
    bands: Sequence[int | str] | None = None,
    band_names: Sequence[str] | str | None = None,
) -> tuple[Any, list[str]]:
    """The band mapping of ``source`` onto ``model_bands`` (``rasters.map_bands``: explicit
    ``bands``, a ``band_names`` preset, the raster's own names or colour interpretation), and
    the notes it raised (e.g. bands guessed from the colour interpretation)."""
    from scicbir.rasters import map_bands

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mapping = map_bands(
            path,
            source.band_names,
            model_bands,
            explicit=bands,
            band_names=band_names,
            colour_interp=source.colour_interp,
        )
    return mapping, [str(w.message) for w in caught]


def normalisation_for(package: Any, source: Any, bands: list[int]) -> Normalisation:
    """The model's normalisation, or the source's own range when the model's does not fit."""
    model = model_normalisation(package, len(bands))
    return choose_normalisation(model, source.overview(bands), source.nodata)


def range_note(path: str, norm: Normalisation) -> str | None:
    """What a user is told when the source's own range is used."""
    if norm.kind != "source_range":
        return None
    return (
        f"{path}: value range does not fit the model's normalisation; "
        "using the source's own 0.1-99.9 percentile range per band"
    )
