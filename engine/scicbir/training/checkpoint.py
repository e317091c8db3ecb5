"""Training checkpoints: written atomically, read back with ``torch.load(weights_only=True)``.

A checkpoint holds everything the run needs to continue exactly: weights, optimizer states,
learning rates, the torch RNG state, the stage/epoch/step position, LR-rule and plateau state,
best figures and the Pareto list. It is written to a temporary file, flushed to disk and
renamed, so a kill -9 at any moment leaves either the previous or the new checkpoint, never a
torn one. Only files this engine wrote are loaded, and never with full unpickling.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scicbir.errors import InputError

LAST = "last.pt"


def save_checkpoint(state: dict[str, Any], path: str | Path) -> None:
    """Write ``state`` to ``path`` atomically (tmp file + fsync + rename)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        torch.save(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint`` (tensors and plain data only)."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise InputError(f"training checkpoint '{path}' does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt file, or not a checkpoint of this engine
        raise InputError(
            f"'{path}' is not a readable training checkpoint ({exc}); delete it to start over"
        ) from exc
