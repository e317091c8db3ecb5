"""Hash codes for query tiles, through onnxruntime without torch when the model allows it.

An interactive user pays the start-up of every ``scicbir search`` run; importing torch and
building the network costs seconds, hashing a handful of tiles with onnxruntime milliseconds.
So when the archive's model package has a current ONNX export of its analysis transform + hash
head (``package.json`` lists it with the checksum of the weights it was made from), queries are
hashed by ``OnnxHasher``: it reads the package's manifest and config (plain JSON), checks that
the weights are the very ones the archive records (sha256), and runs the export. The package is
not loaded through ``ModelPackage.load``, which builds the torch network to verify the weights.

Otherwise (no export, onnxruntime missing, package moved, backend "torch") the archive's
``TileCodec`` hashes the tiles. Both give the codes ``TileCodec.hash`` gives: bit i is set when
logit i >= 0, packed MSB first, after replicate-padding the tile to the network's input size.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from scicbir.errors import InputError

BACKENDS = ("auto", "onnx", "torch")


class Hasher(Protocol):
    backend: str

    def hash(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised float32 tiles (B, C, h, w) -> (packed codes uint8, logits float32)."""
        ...


def pack_codes(logits: np.ndarray) -> np.ndarray:
    """Bit = (logit >= 0), packed MSB first: the codec's convention."""
    return np.packbits(np.asarray(logits) >= 0, axis=-1)


class OnnxHasher:
    """Runs a package's ``analysis.onnx`` (latents + hash logits) on query tiles."""

    backend = "onnx"

    def __init__(self, package: Any, batch_size: int = 16) -> None:
        from scicbir.codec.onnx_runtime import OnnxAnalysis

        session = OnnxAnalysis.for_package(package, required=True)
        assert session is not None
        self.session = session
        self.config = package.config
        self.batch_size = batch_size

    def hash(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        arr = np.asarray(tiles, dtype=np.float32)
        side = int(self.config.padded_size)
        h, w = arr.shape[-2:]
        if (h, w) != (side, side):
            arr = np.pad(arr, ((0, 0), (0, 0), (0, side - h), (0, side - w)), mode="edge")
        logits = []
        for start in range(0, arr.shape[0], self.batch_size):
            _, u = self.session.run(arr[start : start + self.batch_size])
            logits.append(np.asarray(u, dtype=np.float32))
        u = np.concatenate(logits)
        return pack_codes(u), u


class CodecHasher:
    """The torch path: the archive's ``TileCodec``."""

    def __init__(self, codec: Any) -> None:
        self.codec = codec
        self.config = codec.config
        self.backend = codec.backend

    def hash(self, tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        result = self.codec.hash(tiles)
        return np.asarray(result.codes, np.uint8), np.asarray(result.logits, np.float32)


def light_package(path: str | Path, checksum: str) -> Any | None:
    """The package at ``path`` without building its network, if its weights match ``checksum``.

    Returns None when the folder, its manifest or its config cannot be read, or the weights are
    not the ones recorded (the caller then falls back to the full, verifying load).
    """
    from scicbir.models.config import ModelConfig
    from scicbir.models.package import CONFIG, MANIFEST, WEIGHTS, ModelPackage, sha256_file

    folder = Path(path)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        weights = folder / manifest.get("weights", WEIGHTS)
        if manifest.get("weights_sha256") != checksum or sha256_file(weights) != checksum:
            return None
        config = ModelConfig.load(folder / CONFIG)
    except (OSError, ValueError, InputError):
        return None
    return ModelPackage(path=folder, config=config, checksum=checksum, manifest=manifest)


def make_hasher(archive: Any, backend: str = "auto") -> Hasher:
    """The fastest hasher for ``archive``'s model that ``backend`` allows."""
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend in ("auto", "onnx"):
        hint = archive.catalog.meta().get("model_path")
        package = light_package(hint, archive.model.checksum) if hint else None
        if package is not None and package.onnx_path("analysis") is not None:
            try:
                return OnnxHasher(package)
            except InputError:
                if backend == "onnx":
                    raise
        elif backend == "onnx":
            raise InputError(
                f"the model of archive {archive.folder} has no current ONNX export at "
                f"{hint or '(unknown path)'}; run `scicbir model export-onnx` on it or use "
                "backend 'torch'",
                archive=str(archive.folder),
            )
    from scicbir.codec import TileCodec

    return CodecHasher(
        TileCodec(archive.package, backend="torch" if backend == "torch" else "auto")
    )
