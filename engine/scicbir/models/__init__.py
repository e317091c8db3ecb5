"""The SCI-CBIR network, its config, model packages on disk and the registry of packages.

``ModelConfig``, ``ModelPackage``, ``list_models`` and ``resolve_model`` import no heavy
library; ``SciCbirNet`` (torch, compressai) is imported on first use.
"""

from __future__ import annotations

from typing import Any

from scicbir.models.config import BandSpec, ModelConfig
from scicbir.models.package import ModelPackage
from scicbir.models.registry import list_models, resolve_model

__all__ = ["BandSpec", "ModelConfig", "ModelPackage", "SciCbirNet", "list_models", "resolve_model"]


def __getattr__(name: str) -> Any:
    if name == "SciCbirNet":
        from scicbir.models.network import SciCbirNet

        return SciCbirNet
    raise AttributeError(name)
