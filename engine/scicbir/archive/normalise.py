"""Which value range maps a source's pixels to the model's nominal [0, 1] input.

A model's normalisation fits the data it was trained on (the Sentinel-2 model divides by the
archive maximum 20566; the RGB model by 255). Feeding it a source from another range (the RGB
model on Landsat uint16 DN, or 8-bit photos to the Sentinel-2 model) would saturate or darken
every tile. In that case the per-source range is measured instead (0.1 / 99.9 percentiles per
band from a decimated overview read, nodata excluded) and recorded in the catalog, so decoding
maps back to source units exactly as encoding mapped forward.

Normalisation itself (the affine map, clipping of outliers, serialisation) is
``scicbir.codec.normalisation.Normalisation``; this module only chooses one per source.
"""

from __future__ import annotations

import numpy as np

from scicbir.codec.normalisation import Normalisation
from scicbir.rasters.tiles import nodata_mask

LOW_PERCENTILE, HIGH_PERCENTILE = 0.1, 99.9


def model_normalisation(package, bands: int) -> Normalisation:
    norm = Normalisation.from_config(package.config)
    offset = np.broadcast_to(np.asarray(norm.offset, np.float64).reshape(-1), (bands,))
    scale = np.broadcast_to(np.asarray(norm.scale, np.float64).reshape(-1), (bands,))
    return Normalisation(offset.copy(), scale.copy(), "model")


def choose_normalisation(
    model: Normalisation, overview: np.ndarray, nodata: float | None
) -> Normalisation:
    """The model's normalisation, or the source's own range when the model's does not fit."""
    mask = nodata_mask(overview, nodata)
    pixels = overview.reshape(overview.shape[0], -1).astype(np.float64)
    if mask is not None:
        pixels = pixels[:, ~mask.reshape(-1)]
    pixels = pixels[:, np.isfinite(pixels).all(axis=0)]
    if pixels.shape[1] == 0:
        return model
    lo = np.percentile(pixels, LOW_PERCENTILE, axis=1)
    hi = np.percentile(pixels, HIGH_PERCENTILE, axis=1)
    model_hi = float(max(o + s for o, s in zip(model.offset, model.scale, strict=True)))
    top = float(hi.max())
    too_bright = top > 1.5 * model_hi
    eight_bit_into_wide = overview.dtype == np.uint8 and model_hi > 1.5 * 255
    too_dark = np.issubdtype(overview.dtype, np.floating) and top < 0.02 * model_hi
    if not (too_bright or eight_bit_into_wide or too_dark):
        return model
    scale = np.maximum(hi - lo, 1e-6)
    return Normalisation(lo, scale, "source_range")
