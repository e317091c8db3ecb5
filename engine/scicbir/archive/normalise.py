"""Which value range maps a source's pixels to the model's nominal [0, 1] input.

A model's normalisation fits the data it was trained on (the Sentinel-2 model divides by the
archive maximum 20566; the RGB model by 255). Feeding it a source from another range (the RGB
model on Landsat uint16 DN, or 8-bit photos to the Sentinel-2 model) would saturate or darken
every tile. In that case the per-source range is measured instead (0.1 / 99.9 percentiles per
band from a decimated overview read, nodata excluded) and recorded in the catalog, so decoding
maps back to source units exactly as encoding mapped forward.

This is also the one place where physical values become network inputs, so it bounds them:
normalised values beyond ``[CLIP_LOW, CLIP_HIGH]`` (four nominal ranges past either end of
[0, 1]) are clipped. A model only ever saw values near [0, 1]; a stray 1e30 would give latents
far beyond what the entropy coder can code, and one such pixel must not cost the whole file.
Compress counts the clipped values per source and reports them in its summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scicbir.rasters.tiles import nodata_mask

LOW_PERCENTILE, HIGH_PERCENTILE = 0.1, 99.9
#: Bounds of normalised values fed to the network. No integer raster reaches them under the
#: model's normalisation (uint16 / 20566 is at most 3.2), nor a value inside the source's own
#: 0.1-99.9 percentile range; only outliers and undeclared fill values do.
CLIP_LOW, CLIP_HIGH = -4.0, 5.0


@dataclass(frozen=True)
class SourceNormalisation:
    """Affine map per band (model band order): ``normalised = (value - offset) / scale``."""

    kind: str  # "model" or "source_range"
    offset: tuple[float, ...]
    scale: tuple[float, ...]

    def forward(self, tiles: np.ndarray) -> np.ndarray:
        """Physical (B, C, h, w) -> normalised float32, clipped to [CLIP_LOW, CLIP_HIGH]."""
        return self.forward_counted(tiles)[0]

    def forward_counted(
        self,
        tiles: np.ndarray,
        valid: Sequence[tuple[int, int]] | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """``forward`` and how many values it clipped. With ``valid`` (height, width per tile)
        and ``masks`` (nodata per tile), only source pixels count: edge padding repeats pixels
        and nodata pixels hold a fill, neither is the user's data."""
        offset = np.asarray(self.offset, np.float32)[None, :, None, None]
        scale = np.asarray(self.scale, np.float32)[None, :, None, None]
        # A value far out may overflow float32 to +-inf here: it is clipped just below.
        with np.errstate(over="ignore", invalid="ignore"):
            values = ((tiles - offset) / scale).astype(np.float32)
        outside = ~((values >= CLIP_LOW) & (values <= CLIP_HIGH))
        if not outside.any():
            return values, 0
        if valid is None:
            clipped = int(outside.sum())
        else:
            clipped = 0
            for k, (h, w) in enumerate(valid):
                hit = outside[k, :, :h, :w]
                mask = masks[k] if masks is not None else None
                clipped += int((hit & ~mask).sum() if mask is not None else hit.sum())
        # NaN cannot come from tiles (it is nodata there); were it to, it must not reach the
        # network either.
        values = np.clip(np.nan_to_num(values, nan=0.0), CLIP_LOW, CLIP_HIGH)
        return values.astype(np.float32), clipped

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "offset": list(self.offset), "scale": list(self.scale)}


def model_normalisation(package, bands: int) -> SourceNormalisation:
    from scicbir.codec import Normalisation

    norm = Normalisation.from_config(package.config)
    offset = np.broadcast_to(np.asarray(norm.offset, np.float64).reshape(-1), (bands,))
    scale = np.broadcast_to(np.asarray(norm.scale, np.float64).reshape(-1), (bands,))
    return SourceNormalisation("model", tuple(map(float, offset)), tuple(map(float, scale)))


def choose_normalisation(
    model: SourceNormalisation, overview: np.ndarray, nodata: float | None
) -> SourceNormalisation:
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
    model_hi = max(o + s for o, s in zip(model.offset, model.scale, strict=True))
    top = float(hi.max())
    too_bright = top > 1.5 * model_hi
    eight_bit_into_wide = overview.dtype == np.uint8 and model_hi > 1.5 * 255
    too_dark = np.issubdtype(overview.dtype, np.floating) and top < 0.02 * model_hi
    if not (too_bright or eight_bit_into_wide or too_dark):
        return model
    scale = np.maximum(hi - lo, 1e-6)
    return SourceNormalisation("source_range", tuple(map(float, lo)), tuple(map(float, scale)))
