"""Per-band normalisation between physical raster values and the network's nominal [0, 1] range:
the one type used by the codec, compress, search and decode.

A model's normalisation is stored in its config (a model trained on BigEarthNet divides by
20566, an 8-bit RGB model by 255); a source whose values do not fit it gets its own range
(``kind`` "source_range", chosen in ``scicbir.archive.normalise``), recorded per tile in the
catalog (``as_dict`` / ``from_dict``) so that decoding maps back exactly as encoding mapped
forward. ``to_dtype`` undoes the last step of decoding: clip to the source dtype's range and
round for integer dtypes, so a decoded tile has the source's dtype and values.

Archive inputs are bounded here (``forward(..., clip=True)``, ``forward_counted``): normalised
values beyond ``[CLIP_LOW, CLIP_HIGH]`` (four nominal ranges past either end of [0, 1]) are
clipped. A model only ever saw values near [0, 1]; a stray 1e30 would give latents far beyond
what the entropy coder can code, and one such pixel must not cost the whole file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scicbir.errors import InputError

#: Bounds of normalised values fed to the network. No integer raster reaches them under the
#: model's normalisation (uint16 / 20566 is at most 3.2), nor a value inside the source's own
#: 0.1-99.9 percentile range; only outliers and undeclared fill values do.
CLIP_LOW, CLIP_HIGH = -4.0, 5.0


class Normalisation:
    """``forward(x) = (x - offset) / scale`` per band; ``inverse`` maps back. ``kind``:
    ``"model"`` (the model's own) or ``"source_range"`` (a source's measured range)."""

    def __init__(
        self, offset: Sequence[float], scale: Sequence[float], kind: str = "model"
    ) -> None:
        self.kind = kind
        self.offset = np.asarray(offset, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        if self.offset.shape != self.scale.shape or self.offset.ndim != 1:
            raise InputError("normalisation needs one offset and one scale per band")
        if not np.all(np.isfinite(self.scale)) or np.any(self.scale == 0):
            raise InputError("normalisation scales must be finite and non-zero")

    @classmethod
    def from_config(cls, config: object) -> Normalisation:
        return cls(config.normalisation_offset, config.normalisation_scale)  # type: ignore[attr-defined]

    @property
    def num_bands(self) -> int:
        return int(self.offset.size)

    def _shape(self, x: np.ndarray) -> tuple[int, ...]:
        if x.ndim < 3 or x.shape[-3] != self.num_bands:
            raise InputError(
                f"tile has shape {x.shape}; expected (..., {self.num_bands}, h, w) for the "
                f"{self.num_bands} bands of the model"
            )
        return (-1, 1, 1)

    def forward(self, x: np.ndarray, clip: bool = False) -> np.ndarray:
        """Physical values -> float32 normalised; ``clip``: bounded as archive inputs are."""
        if clip:
            return self.forward_counted(x)[0]
        x = np.asarray(x)
        shape = self._shape(x)
        return ((x - self.offset.reshape(shape)) / self.scale.reshape(shape)).astype(np.float32)

    def forward_counted(
        self,
        tiles: np.ndarray,
        valid: Sequence[tuple[int, int]] | None = None,
        masks: Sequence[np.ndarray | None] | None = None,
    ) -> tuple[np.ndarray, int]:
        """Physical (B, C, h, w) -> normalised float32 clipped to [CLIP_LOW, CLIP_HIGH], and how
        many values were clipped. With ``valid`` (height, width per tile) and ``masks`` (nodata
        per tile), only source pixels count: edge padding repeats pixels and nodata pixels hold
        a fill, neither is the user's data."""
        offset = self.offset.astype(np.float32)[None, :, None, None]
        scale = self.scale.astype(np.float32)[None, :, None, None]
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

    def inverse(self, x: np.ndarray) -> np.ndarray:
        """Normalised -> physical values (float64, not clipped)."""
        x = np.asarray(x, dtype=np.float64)
        shape = self._shape(x)
        return x * self.scale.reshape(shape) + self.offset.reshape(shape)

    @staticmethod
    def to_dtype(x: np.ndarray, dtype: np.dtype | str) -> np.ndarray:
        """Clip to ``dtype``'s range and round (integer dtypes) or cast (float dtypes)."""
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            return np.clip(np.rint(x), info.min, info.max).astype(dtype)
        if np.issubdtype(dtype, np.floating):
            return np.asarray(x).astype(dtype)
        raise InputError(f"unsupported raster dtype {dtype}; use an integer or float dtype")

    def to_dict(self) -> dict[str, list[float]]:
        return {"offset": self.offset.tolist(), "scale": self.scale.tolist()}

    def as_dict(self) -> dict[str, object]:
        """The catalog's record of a tile's normalisation (``from_dict`` reads it back)."""
        return {"kind": self.kind, "offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Normalisation:
        return cls(data["offset"], data["scale"], str(data.get("kind", "model")))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Normalisation)
            and self.kind == other.kind
            and np.array_equal(self.offset, other.offset)
            and np.array_equal(self.scale, other.scale)
        )

    def __repr__(self) -> str:
        return f"Normalisation({self.offset.tolist()}, {self.scale.tolist()}, {self.kind!r})"
