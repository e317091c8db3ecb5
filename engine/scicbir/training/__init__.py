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
    """Run or resume training (``config``: YAML path or ``TrainConfig``); summary as a dict.

    ``data.normalisation_scale: auto`` is replaced by the data's own value scale first
    (``value_scale.py``); the summary's ``value_scale`` then says what was found.
    """
    from scicbir.training.config import TrainConfig, load_config
    from scicbir.training.trainer import train as _train
    from scicbir.training.value_scale import resolve_value_scale

    cfg = config if isinstance(config, TrainConfig) else load_config(config)
    found = resolve_value_scale(cfg, progress)
    summary = _train(cfg, progress, cancel, restart).as_dict()
    if found is not None:
        summary["value_scale"] = found.as_dict()
    return summary


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
