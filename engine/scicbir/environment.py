"""Facts about the running engine: library versions, compute device, model packages found."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

from scicbir import PROTOCOL_VERSION, __version__


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def select_device(preference: str = "auto") -> str:
    """Return the torch device string to use: ``cuda`` when asked for or available, else ``cpu``."""
    import torch

    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if preference.startswith("cuda") and not torch.cuda.is_available():
        from scicbir.errors import InputError

        raise InputError(
            f"device '{preference}' was requested but torch sees no CUDA GPU; use --device cpu"
        )
    return preference


def engine_info() -> dict[str, Any]:
    """Versions actually imported (not just installed), device and available models."""
    import faiss
    import numpy
    import onnxruntime
    import rasterio
    import torch

    from scicbir._compressai import import_compressai

    compressai = import_compressai()
    try:
        from scicbir.models.registry import list_models

        models = [
            {"name": m.model_id, "path": str(m.path), "checksum": m.checksum} for m in list_models()
        ]
    except ModuleNotFoundError:
        models = []
    return {
        "engine": __version__,
        "protocol": PROTOCOL_VERSION,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "compressai": compressai.__version__,
        "faiss": faiss.__version__,
        "rasterio": rasterio.__version__,
        "gdal": rasterio.__gdal_version__,
        "onnxruntime": onnxruntime.__version__,
        "onnx": _version("onnx"),
        "numba": _version("numba"),
        "numpy": numpy.__version__,
        "device": select_device("auto"),
        "cuda_available": bool(torch.cuda.is_available()),
        "threads": torch.get_num_threads(),
        "models": models,
    }
