"""Give an archive new hash codes from another model with the same codec, crash-safely.

After the hashing part of a model is retrained (for the archive's own imagery, without labels:
``scicbir.training.adapt``), the archive's bitstreams stay valid (the codec did not change) but
its codes must be recomputed. Every tile is decoded and hashed by the new model, and then ONE
catalog transaction replaces every code, the logits, the tiles' and sources' model and the
archive's model record, and bumps the catalog generation. Until that commit the archive holds
its old codes and model and stays searchable; a kill at any moment before it changes nothing,
and a kill after it leaves an index file of the old generation, which readers detect and
rebuild in memory (``scicbir.archive.index``) until the next writer saves a fresh one.

Models with the same codec: ``package.stream_checksum`` equal to the archive model's. Going
back to the original model is the same operation in the other direction.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.errors import InputError, ModelMismatchError
from scicbir.progress import CancelToken, Progress, no_progress


@dataclass
class RehashSummary:
    archive: str
    model: str
    model_path: str
    previous_model: str
    tiles: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rehash_archive(
    folder: str | Path,
    package: Any,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> RehashSummary:
    """Recompute every tile's code of the archive at ``folder`` with ``package`` (same codec)
    and switch the archive to it; see the module docstring for what a crash leaves."""
    from scicbir.archive.identity import ModelIdentity
    from scicbir.archive.index import rebuild_index
    from scicbir.archive.store import Archive
    from scicbir.codec import TileCodec
    from scicbir.codec.codec import pack_codes

    progress = progress or no_progress
    t0 = time.perf_counter()
    with Archive.open(folder) as archive:
        archive.lock()
        target = package.at_quality(archive.model.quality if archive.model else None)
        codec = TileCodec(target)
        tiles = archive.catalog.tiles()
        if not _streams_decode_with(archive, target, codec, tiles[:1]):
            raise InputError(
                f"model '{package.model_id}' ({package.path}) has another codec than archive "
                f"{archive.folder}'s model '{archive.model.model_id if archive.model else ''}': "
                "its tiles would not decode. "
                "Re-hash only with a model whose hashing part was retrained on this codec",
                archive=str(archive.folder),
                reason="codec_differs",
            )
        codes: list[tuple[int, bytes, np.ndarray]] = []
        batch = max(1, codec.batch_size)
        for start in range(0, len(tiles), batch):
            if cancel is not None:
                cancel.raise_if_cancelled("re-hashing the archive")
            part = tiles[start : start + batch]
            pixels = codec.decode_many([archive.read_stream(t) for t in part])
            logits = codec.hash_decoded(pixels).logits
            packed = pack_codes(logits)
            codes += [
                (tile.id, code.tobytes(), u)
                for tile, code, u in zip(part, packed, logits, strict=True)
            ]
            progress(start + len(part), len(tiles), "re-hashing the archive's tiles")
        if cancel is not None:
            cancel.raise_if_cancelled("re-hashing the archive")
        previous = archive.model.model_id if archive.model else ""
        identity = ModelIdentity.of_package(target)
        model_path = str(Path(target.path).resolve())
        archive.catalog.replace_codes(
            codes, target.model_id, {**identity.to_meta(), "model_path": model_path}
        )
        archive.model = identity
        rebuild_index(archive.catalog, archive.folder)
        return RehashSummary(
            archive=str(archive.folder),
            model=target.model_id,
            model_path=model_path,
            previous_model=previous,
            tiles=len(codes),
            seconds=round(time.perf_counter() - t0, 3),
        )


def _streams_decode_with(archive: Any, target: Any, codec: Any, first: list[Any]) -> bool:
    """Whether the archive's bitstreams decode with ``target``: the stream checksums of the
    two packages agree or, when the archive's own package is no longer to be had as it was (a
    default model whose hashing part was retrained since), its ``first`` tile's stream decodes."""
    try:
        return target.stream_checksum == archive.package.stream_checksum
    except (ModelMismatchError, InputError):
        pass
    if not first:
        return True
    try:
        codec.decode_many([archive.read_stream(first[0])])
    except (ModelMismatchError, InputError):
        return False
    return True
