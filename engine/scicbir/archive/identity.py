"""The model an archive was made with, and the refusal to mix models.

Bitstreams only decode with the exact weights that wrote them, and hash codes are only
comparable under the same hash head, so an archive is bound to one model package: its id, the
sha256 of its weights, its bands, tile size and hash length are recorded at creation
(``archive_meta``) and every later use is checked against them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from scicbir.errors import ModelMismatchError
from scicbir.rasters.bands import model_band_name


@dataclass(frozen=True)
class ModelIdentity:
    model_id: str
    checksum: str
    bands: tuple[str, ...]
    tile_size: int
    hash_bits: int
    quality: int | None = None  # the package's rate point (None: a package with one point)

    @classmethod
    def of_package(cls, package) -> ModelIdentity:
        config = package.config
        return cls(
            model_id=str(package.model_id),
            checksum=str(package.checksum),
            bands=tuple(model_band_name(b) for b in config.bands),
            tile_size=int(config.tile_size),
            hash_bits=int(config.hash_bits),
            quality=getattr(package, "quality", None),
        )

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> ModelIdentity | None:
        if "model_id" not in meta:
            return None
        return cls(
            model_id=meta["model_id"],
            checksum=meta["model_checksum"],
            bands=tuple(json.loads(meta["bands"])),
            tile_size=int(meta["tile_size"]),
            hash_bits=int(meta["hash_bits"]),
            quality=int(meta["model_quality"]) if meta.get("model_quality") else None,
        )

    def to_meta(self) -> dict[str, str]:
        meta = {
            "model_id": self.model_id,
            "model_checksum": self.checksum,
            "bands": json.dumps(list(self.bands)),
            "tile_size": str(self.tile_size),
            "hash_bits": str(self.hash_bits),
        }
        if self.quality is not None:
            meta["model_quality"] = str(self.quality)
        return meta

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def check(self, other: ModelIdentity, archive: str, other_streams: str | None = None) -> None:
        """Raise ``ModelMismatchError`` unless ``other`` is the very same model.

        ``other_streams``: the checksum ``other``'s bitstreams carry. When it is the archive's
        model, ``other`` is that codec with a new hashing part (a retrained default model, an
        adapted one): the archive's streams decode with it, only its codes differ, and the
        message says how to move the archive to the new codes.
        """
        if other.checksum != self.checksum:
            if other_streams == self.checksum:
                raise ModelMismatchError(
                    f"archive {archive} holds the codes of model '{self.model_id}' (weights "
                    f"sha256 {self.checksum[:12]}...); '{other.model_id}' (sha256 "
                    f"{other.checksum[:12]}...) has the same codec with another hashing part, "
                    "so its codes cannot be compared with the archive's. Run 'scicbir archive "
                    f"rehash {archive} --model {other.model_id}' to give every tile the new "
                    "codes (no tile is re-encoded), or use the package the archive was made with",
                    archive=archive,
                    archive_model=self.model_id,
                    given_model=other.model_id,
                    reason="hashing_part_changed",
                )
            if other.model_id == self.model_id and other.quality != self.quality:
                raise ModelMismatchError(
                    f"archive {archive} was made with model '{self.model_id}' at quality "
                    f"{self.quality}, not {other.quality}; an archive keeps one rate point: "
                    f"use --quality {self.quality} or a new archive folder",
                    archive=archive,
                    archive_model=self.model_id,
                    given_model=other.model_id,
                )
            raise ModelMismatchError(
                f"archive {archive} was made with model '{self.model_id}' "
                f"(weights sha256 {self.checksum[:12]}...), not '{other.model_id}' "
                f"(sha256 {other.checksum[:12]}...); use --model {self.model_id} "
                "(the same package) or a new archive folder",
                archive=archive,
                archive_model=self.model_id,
                given_model=other.model_id,
            )
