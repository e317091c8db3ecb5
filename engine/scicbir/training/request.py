"""A training run as a typed request: what ``scicbir train --recipe/--config`` and the service's
``train`` method build (the Train dialog sends the latter).

``TrainRequest.config()`` applies the request to its base (a recipe, a YAML file or the built-in
defaults) in the one place that does so (``recipes.training_config``); ``run_train`` runs it and
answers with the package it wrote as ``model``, as every training answer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scicbir.params import Params, ParamsError
from scicbir.progress import CancelToken, Progress

FIELDS = (
    "recipe", "config", "dataset", "kind", "stages", "epochs", "batch_size",
    "max_steps_per_epoch", "device", "output", "name", "scale", "offset", "resume",
)  # fmt: skip


@dataclass(frozen=True)
class TrainRequest:
    """``recipe`` (a shipped recipe's name) or ``config`` (a YAML file), and/or ``dataset``
    (with ``kind``) and the schedule fields that override them; ``resume`` continues from the
    last checkpoint in ``output``. ``scale``: a number, a list per band or ``"auto"``."""

    recipe: str | None = None
    config: str | None = None
    dataset: str | None = None
    kind: str | None = None
    output: str | None = None
    name: str | None = None
    stages: tuple[int, ...] | None = None
    epochs: int | tuple[int, ...] | None = None
    batch_size: int | None = None
    max_steps_per_epoch: int | None = None
    device: str | None = None
    scale: Any = None
    offset: Any = None
    resume: bool = True

    def training_config(self):
        """The run's ``TrainConfig`` (``InputError`` naming the field when it cannot be made)."""
        from scicbir.training.recipes import training_config

        epochs = list(self.epochs) if isinstance(self.epochs, tuple) else self.epochs
        return training_config(
            recipe_name=self.recipe,
            config=self.config,
            dataset=self.dataset,
            kind=self.kind,
            output=self.output,
            name=self.name,
            stages=list(self.stages) if self.stages is not None else None,
            epochs=epochs,
            batch_size=self.batch_size,
            max_steps_per_epoch=self.max_steps_per_epoch,
            device=self.device,
            scale=self.scale,
            offset=self.offset,
        )

    @classmethod
    def from_params(cls, params: dict[str, Any], method: str = "train") -> TrainRequest:
        """The request of the service's ``train`` params (``ParamsError`` names a bad one)."""
        p = Params(method, params, FIELDS)
        recipe, config, dataset = p.str("recipe"), p.path("config"), p.str("dataset")
        if recipe is None and config is None and dataset is None:
            raise ParamsError(
                method, "give 'recipe' and 'dataset', 'config' (a training YAML file) or 'dataset'",
                "recipe",
            )  # fmt: skip
        value = p.any("epochs")
        if isinstance(value, list):
            listed = p.int_list("epochs") or []
            if len(listed) != 3 or min(listed) < 1:
                raise ParamsError(method, "'epochs' must list three positive numbers", "epochs")
            epochs: int | tuple[int, ...] | None = tuple(listed)
        else:
            epochs = p.int("epochs", minimum=1)
        stages = p.int_list("stages")
        return cls(
            recipe=recipe,
            config=str(config) if config is not None else None,
            dataset=dataset,
            kind=p.str("kind"),
            output=p.str("output"),
            name=p.str("name"),
            stages=tuple(stages) if stages is not None else None,
            epochs=epochs,
            batch_size=p.int("batch_size", minimum=2),
            max_steps_per_epoch=p.int("max_steps_per_epoch", minimum=0),
            device=p.str("device"),
            scale=p.any("scale"),
            offset=p.any("offset"),
            resume=bool(p.bool("resume", True)),
        )


def run_train(
    request: TrainRequest,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    config: Any = None,
) -> dict[str, Any]:
    """Run (or continue) the training; the summary with ``model``: the package written.
    ``config``: the request's ``training_config()`` when the caller made it already."""
    from scicbir.training import train

    cfg = config if config is not None else request.training_config()
    summary = train(cfg, progress=progress, cancel=cancel, restart=not request.resume)
    summary["model"] = summary.get("package")  # the model package a client offers to use
    return summary
