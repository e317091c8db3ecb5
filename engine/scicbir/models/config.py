"""The model's configuration: architecture, bands, tile size, normalisation, hashing, labels.

A ``ModelConfig`` is everything needed to rebuild a network whose weights fit, and everything a
user needs to feed it correctly (band order and names, the normalisation of physical values).
It is stored as ``config.json`` inside a model package; ``format_version`` lets a future engine
refuse a package it cannot read instead of mis-reading it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from scicbir.errors import InputError

#: Version of the package/config layout this engine reads and writes.
FORMAT_VERSION = 1

#: The network down-samples by 16 (g_a) and the hyperprior by 4 more: input sides must be a
#: multiple of 64 so that every stage divides exactly.
SIDE_MULTIPLE = 64

HASH_SIDES = ("encoder", "decoder")
HASH_BITS = (16, 32, 64)
#: Context models of the latent codec (``scicbir.models.latent_codec``); packages written
#: before the field existed used the serial one.
CONTEXTS = ("checkerboard", "serial")
#: Hash networks (``scicbir.models.hashing.HashHead``); packages written before the field
#: existed used the thesis's attention network.
HASH_HEADS = ("attention", "conv")
#: Layers of the analysis transform ``g_a`` (``scicbir.models.network``); a hash tap k is the
#: output of its first k layers.
ANALYSIS_LAYERS = 9
#: How a hash tap is pooled to the latent grid: its mean per cell, or its mean and standard
#: deviation per cell (how strongly the features vary inside the cell: texture, which the mean
#: of a cell averages away). Packages written before the field existed used the mean.
HASH_TAP_POOLINGS = ("mean", "mean+std")


@dataclass(frozen=True)
class BandSpec:
    """One input band: its name (as rasters describe it) and centre wavelength in nm (0 = unknown)."""

    name: str
    wavelength_nm: float = 0.0


@dataclass(frozen=True)
class ModelConfig:
    """Architecture and data contract of one SCI-CBIR network.

    ``N`` latent channels, ``M`` hyper-latent channels, ``K`` Gaussian-mixture components,
    ``hash_bits`` code length q, ``hash_hidden`` width of the hash network (paper 512),
    ``hash_side`` where hash codes come from: ``"encoder"`` (latents y before rounding) or
    ``"decoder"`` (latents recovered from the bitstream, so codes can be recomputed from a stored
    stream without the source image). ``context`` is the latent codec's context model:
    ``"checkerboard"`` (two parallel decoding passes) or ``"serial"`` (the thesis's 5x5 raster-scan
    context). ``hash_head`` is the hash network: ``"attention"`` (thesis Table 3.1) or
    ``"conv"`` (two batch-normalised 3x3 convolutions over the whole latent grid; see
    ``scicbir.models.hashing``). ``hash_taps``: layers k of the analysis transform whose outputs
    (of ``g_a[:k]``, average-pooled to the latent grid) join the latents as the hash network's
    input, giving it more than the 4 x 4 latents of a 64 px tile; empty: the latents alone
    (encoder side only). ``hash_tap_pooling``: ``"mean"`` (each tap average-pooled) or
    ``"mean+std"`` (each tap's mean and standard deviation per latent cell, twice the channels).
    ``normalisation_offset``/``normalisation_scale`` map
    physical values to the nominal [0, 1] range per band: ``(x - offset) / scale``.
    """

    name: str
    bands: tuple[BandSpec, ...]
    tile_size: int = 64
    N: int = 64
    M: int = 64
    K: int = 3
    hash_bits: int = 32
    hash_hidden: int = 128
    hash_side: str = "encoder"
    hash_gamma: float = 0.1
    context: str = "serial"
    hash_head: str = "attention"
    hash_taps: tuple[int, ...] = ()
    hash_tap_pooling: str = "mean"
    labels: tuple[str, ...] = ()
    normalisation_offset: tuple[float, ...] = ()
    normalisation_scale: tuple[float, ...] = ()
    description: str = ""
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        bands = tuple(
            b if isinstance(b, BandSpec) else BandSpec(b) if isinstance(b, str) else BandSpec(**b)
            for b in self.bands
        )
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "hash_taps", tuple(int(k) for k in self.hash_taps))
        n = len(bands)
        offset = tuple(float(v) for v in self.normalisation_offset) or (0.0,) * n
        scale = tuple(float(v) for v in self.normalisation_scale) or (1.0,) * n
        object.__setattr__(self, "normalisation_offset", offset)
        object.__setattr__(self, "normalisation_scale", scale)
        self.validate()

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise ``InputError`` naming the field at fault; a config must never half-work."""
        where = f"model config '{self.name}'"
        if self.format_version != FORMAT_VERSION:
            raise InputError(
                f"{where}: format_version {self.format_version} is not supported by this engine "
                f"(it reads version {FORMAT_VERSION}); update the engine or re-export the model"
            )
        if not self.bands:
            raise InputError(f"{where}: no bands; list the input bands in 'bands'")
        if len({b.name for b in self.bands}) != len(self.bands):
            raise InputError(f"{where}: band names must be unique")
        n = len(self.bands)
        if len(self.normalisation_offset) != n or len(self.normalisation_scale) != n:
            raise InputError(
                f"{where}: normalisation needs one offset and one scale per band ({n} bands)"
            )
        if any(not math.isfinite(s) or s == 0 for s in self.normalisation_scale):
            raise InputError(f"{where}: normalisation scales must be finite and non-zero")
        if self.tile_size < 16 or self.tile_size > 4096:
            raise InputError(f"{where}: tile_size {self.tile_size} outside 16..4096")
        for key in ("N", "M", "hash_hidden"):
            if getattr(self, key) < 4:
                raise InputError(f"{where}: {key} must be at least 4")
        if self.K < 1:
            raise InputError(f"{where}: K (mixture components) must be at least 1")
        if self.hash_bits not in HASH_BITS:
            raise InputError(f"{where}: hash_bits must be one of {HASH_BITS}")
        if self.hash_side not in HASH_SIDES:
            raise InputError(f"{where}: hash_side must be one of {HASH_SIDES}")
        if self.context not in CONTEXTS:
            raise InputError(f"{where}: context must be one of {CONTEXTS}")
        if self.hash_head not in HASH_HEADS:
            raise InputError(f"{where}: hash_head must be one of {HASH_HEADS}")
        if any(not 1 <= k < ANALYSIS_LAYERS for k in self.hash_taps):
            raise InputError(f"{where}: hash_taps are layers 1..{ANALYSIS_LAYERS - 1} of g_a")
        if self.hash_taps and self.hash_side != "encoder":
            raise InputError(
                f"{where}: hash_taps need hash_side 'encoder' (the decoder has only the latents)"
            )
        if self.hash_tap_pooling not in HASH_TAP_POOLINGS:
            raise InputError(f"{where}: hash_tap_pooling must be one of {HASH_TAP_POOLINGS}")
        if self.hash_tap_pooling != "mean" and not self.hash_taps:
            raise InputError(f"{where}: hash_tap_pooling '{self.hash_tap_pooling}' needs hash_taps")

    # ------------------------------------------------------------------ derived
    @property
    def num_bands(self) -> int:
        return len(self.bands)

    @property
    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    @property
    def padded_size(self) -> int:
        """Side of the network input: ``tile_size`` rounded up to a multiple of 64."""
        return -(-self.tile_size // SIDE_MULTIPLE) * SIDE_MULTIPLE

    @property
    def hash_input_channels(self) -> int:
        """Channels the hash network reads: the latents' and every tap's (all N; twice N per
        tap with ``mean+std`` pooling)."""
        per_tap = 2 if self.hash_tap_pooling == "mean+std" else 1
        return self.N * (1 + per_tap * len(self.hash_taps))

    @property
    def latent_size(self) -> int:
        """Side of the latents y (16x down-sampling of the padded tile)."""
        return self.padded_size // 16

    @property
    def hyper_size(self) -> int:
        """Side of the hyper-latents z."""
        return self.padded_size // 64

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["bands"] = [asdict(b) for b in self.bands]
        data["labels"] = list(self.labels)
        if self.hash_taps:
            data["hash_taps"] = list(self.hash_taps)
        else:  # a package without taps stays readable by engines that predate the field
            del data["hash_taps"]
        if self.hash_tap_pooling == "mean":  # likewise: absent means the mean
            del data["hash_tap_pooling"]
        data["normalisation_offset"] = list(self.normalisation_offset)
        data["normalisation_scale"] = list(self.normalisation_scale)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "model config") -> ModelConfig:
        if not isinstance(data, dict):
            raise InputError(f"{source}: expected a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"{source}: unknown keys {unknown}; this engine does not know them "
                "(was the model made by a newer engine?)"
            )
        if "name" not in data or "bands" not in data:
            raise InputError(f"{source}: 'name' and 'bands' are required")
        data = dict(data)
        bands = []
        for b in data["bands"]:
            if isinstance(b, str):
                bands.append(BandSpec(b))
            elif isinstance(b, dict):
                bands.append(BandSpec(str(b["name"]), float(b.get("wavelength_nm", 0.0))))
            else:
                raise InputError(f"{source}: each band is a name or {{name, wavelength_nm}}")
        data["bands"] = tuple(bands)
        try:
            return cls(**data)
        except TypeError as exc:
            raise InputError(f"{source}: {exc}") from exc

    @classmethod
    def from_json(cls, text: str, source: str = "model config") -> ModelConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: not valid JSON ({exc})") from exc
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> ModelConfig:
        """Read a config file (``.json``, or ``.yaml``/``.yml``)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read model config {path}: {exc.strerror}") from exc
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise InputError(f"{path}: not valid YAML ({exc})") from exc
            return cls.from_dict(data, str(path))
        return cls.from_json(text, str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    def replace(self, **changes: Any) -> ModelConfig:
        data = self.to_dict()
        data.update(changes)
        return ModelConfig.from_dict(data)


#: Sentinel-2 bands of BigEarthNet-S2 in the order the paper stacks them, with centre wavelengths.
BIGEARTHNET_S2_BANDS: tuple[BandSpec, ...] = (
    BandSpec("B01", 442.7),
    BandSpec("B02", 492.4),
    BandSpec("B03", 559.8),
    BandSpec("B04", 664.6),
    BandSpec("B05", 704.1),
    BandSpec("B06", 740.5),
    BandSpec("B07", 782.8),
    BandSpec("B08", 832.8),
    BandSpec("B8A", 864.7),
    BandSpec("B09", 945.1),
    BandSpec("B11", 1613.7),
    BandSpec("B12", 2202.4),
)

RGB_BANDS: tuple[BandSpec, ...] = (
    BandSpec("red", 665.0),
    BandSpec("green", 560.0),
    BandSpec("blue", 490.0),
)

#: Maximum value of the BigEarthNet-S2 archive; the paper divides by it.
BIGEARTHNET_S2_MAX = 20566.0
