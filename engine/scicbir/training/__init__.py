"""Training and evaluation of SCI-CBIR models (thesis chapters 3.2 and 4).

``train(config)`` runs the three-stage trainer described by a YAML configuration and returns a
JSON-ready summary; ``evaluate(model, data)`` measures a model package on a dataset with real
bitstreams and the thesis retrieval protocol. Importing this package is cheap: torch and the
dataset readers load when a function runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scicbir.progress import CancelToken, Progress

__all__ = ["evaluate", "train"]


def train(
    config: Any,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    restart: bool = False,
) -> dict[str, Any]:
    """Run or resume training (``config``: YAML path or ``TrainConfig``); summary as a dict."""
    from scicbir.training.trainer import train as _train

    return _train(config, progress, cancel, restart).as_dict()


def evaluate(
    model: Any,
    data: str | Path | Any,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Figures of a model package on the dataset of a training configuration (see evaluate.py)."""
    from scicbir.training.evaluate import evaluate as _evaluate

    return _evaluate(model, data, progress, cancel, **options)
