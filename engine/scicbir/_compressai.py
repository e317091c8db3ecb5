"""Import compressai without a working torchvision.

compressai 1.2.8 imports ``torchvision.transforms`` in ``compressai/registry/transforms.py`` only
to copy torchvision's transform classes into a name registry for its own training scripts. The
engine uses none of them (it uses compressai's layers, entropy models and range coder). PyPI's
torchvision does not load beside the CPU torch 2.13.0 wheel the set-up installs
(``operator torchvision::nms does not exist``), and the torch/torchvision pair that does is a
5.5 GB CUDA build. So, when torchvision cannot be imported, an empty ``torchvision.transforms``
module is registered before compressai is imported: its registry then simply holds no torchvision
entries. A working torchvision, when present, is used as is.
"""

from __future__ import annotations

import sys
import types


def _ensure_importable_torchvision() -> None:
    try:
        import torchvision.transforms  # noqa: F401

        return
    except Exception:  # missing, or installed but not loadable beside this torch
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
    package = types.ModuleType("torchvision")
    package.__path__ = []  # a package, so "torchvision.transforms" resolves
    package.__version__ = "0+absent"
    transforms = types.ModuleType("torchvision.transforms")
    package.transforms = transforms
    sys.modules["torchvision"] = package
    sys.modules["torchvision.transforms"] = transforms


def import_compressai():
    """Return the ``compressai`` module, importable whether or not torchvision works."""
    _ensure_importable_torchvision()
    import compressai

    return compressai
