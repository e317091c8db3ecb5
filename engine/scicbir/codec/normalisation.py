"""Per-band normalisation between physical raster values and the network's nominal [0, 1] range.

It belongs to the model (stored in its config): a model trained on BigEarthNet divides by 20566,
an 8-bit RGB model by 255. ``to_dtype`` undoes the last step of decoding: clip to the source
dtype's range and round for integer dtypes, so a decoded tile has the source's dtype and values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scicbir.errors import InputError


class Normalisation:
    """``forward(x) = (x - offset) / scale`` per band; ``inverse`` maps back."""

    def __init__(self, offset: Sequence[float], scale: Sequence[float]) -> None:
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

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Physical values -> float32 normalised."""
        x = np.asarray(x)
        shape = self._shape(x)
        return ((x - self.offset.reshape(shape)) / self.scale.reshape(shape)).astype(np.float32)

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
