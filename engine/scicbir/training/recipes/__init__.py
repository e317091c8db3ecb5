"""Named training recipes, and a training configuration from a recipe, a file or plain fields.

A recipe is the configuration of a shipped default model (``engine/configs/default-rgb.yaml``,
``default-sentinel2.yaml``; the YAML files here are identical copies, installed with the engine
so that a pip-installed engine without the repository has them), applied to a dataset of your
own: the recipe gives the model size, stages, epochs, batch size and learning rates; the request
gives the dataset folder, the output folder and any overrides. The value scale of a recipe was
chosen for the recipe's own data, so a run on other data takes it from the data
(``normalisation_scale: auto``, see ``value_scale.py``) unless the request gives one.

``training_config`` builds the ``TrainConfig`` of a request for the service's ``train`` and
``train.inspect`` methods and for ``scicbir train``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.training.config import (
    SourceConfig,
    TrainConfig,
    config_from_dict,
    load_config,
)


@dataclass(frozen=True)
class Recipe:
    name: str
    label: str
    file: str  # in this package and in engine/configs/
    bands: int  # of the data the recipe was made for
    summary: str


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "rgb-8bit",
            "RGB 8-bit",
            "default-rgb.yaml",
            3,
            "the shipped RGB model's recipe (AID aerial scenes, values / 255)",
        ),
        Recipe(
            "sentinel2-12band",
            "Sentinel-2 12-band",
            "default-sentinel2.yaml",
            12,
            "the shipped Sentinel-2 model's recipe (EuroSAT MS + BigEarthNet, values / 10000)",
        ),
    )
}


def recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise InputError(
            f"unknown training recipe '{name}'; known recipes: {', '.join(RECIPES)}",
            recipe=name,
        ) from None


def recipe_text(name: str) -> str:
    """The recipe's YAML, comments included."""
    return resources.files(__name__).joinpath(recipe(name).file).read_text(encoding="utf-8")


def load_recipe(name: str) -> TrainConfig:
    import yaml

    data = yaml.safe_load(recipe_text(name)) or {}
    return config_from_dict(data, f"recipe '{name}'")


def parameters(cfg: TrainConfig) -> dict[str, Any]:
    """The figures of a configuration that the training dialog shows and lets the user change."""
    data = cfg.data
    return {
        "name": cfg.name,
        "description": cfg.description,
        "stages": list(cfg.stages),
        "epochs": [cfg.stage1.epochs, cfg.stage2.epochs, cfg.stage3.epochs],
        "batch_size": cfg.batch_size,
        "max_steps_per_epoch": cfg.max_steps_per_epoch,
        "device": cfg.device,
        "normalisation_offset": data.normalisation_offset,
        "normalisation_scale": data.normalisation_scale,
        "train_fraction": data.train_fraction,
        "val_fraction": data.val_fraction,
        "sources": [{"format": s.format, "path": s.path} for s in data.sources],
    }


def _scale_value(value: Any, what: str) -> float | list[float] | str:
    if value == "auto" and what == "scale":
        return "auto"
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if what == "scale" and number <= 0:
            raise InputError(f"the value scale must be positive, got {value}", param=what)
        return number
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        if what == "scale" and any(v <= 0 for v in value):
            raise InputError(f"value scales must be positive, got {value}", param=what)
        return [float(v) for v in value]
    allowed = "a number, a list of numbers (one per band)" + (
        " or 'auto'" if what == "scale" else ""
    )
    raise InputError(f"'{what}' must be {allowed}, got {value!r}", param=what)


def training_config(
    *,
    recipe_name: str | None = None,
    config: str | Path | None = None,
    dataset: str | None = None,
    kind: str | None = None,
    output: str | None = None,
    name: str | None = None,
    stages: list[int] | None = None,
    epochs: int | list[int] | None = None,
    batch_size: int | None = None,
    max_steps_per_epoch: int | None = None,
    device: str | None = None,
    scale: Any = None,
    offset: Any = None,
) -> TrainConfig:
    """The configuration of a training request.

    The base is the recipe ``recipe_name``, the YAML file ``config`` or the built-in defaults;
    ``dataset`` (with ``kind``, default ``class-folder``) replaces the base's data (a config file
    must then have one source), ``output`` its run folder. With a dataset of the request and no
    ``scale``, the value scale is ``auto`` (detected from the data when the run starts).
    ``epochs``: one number for every stage or one per stage; ``max_steps_per_epoch`` 0: no cap.
    """
    if recipe_name is not None and config is not None:
        raise InputError("give a recipe or a config file, not both", param="recipe")
    if recipe_name is not None:
        if dataset is None:
            raise InputError(
                f"recipe '{recipe_name}' needs the dataset folder to train on", param="dataset"
            )
        if output is None:
            raise InputError(
                f"recipe '{recipe_name}' needs the output folder of the run", param="output"
            )
        cfg = load_recipe(recipe_name)
    elif config is not None:
        cfg = load_config(config)
    elif dataset is not None:
        if output is None:
            raise InputError("'output' (the run folder) is required with 'dataset'", param="output")
        cfg = TrainConfig()
    else:
        raise InputError(
            "give a recipe and a dataset folder, a training YAML file ('config'), or a dataset "
            "folder",
            param="config",
        )
    where = cfg.source_file or "training request"
    if dataset is not None:
        path = str(Path(dataset).expanduser().resolve())
        if config is not None:
            if len(cfg.data.sources) != 1:
                raise InputError(
                    f"{where}: 'dataset' can only replace the folder of a one-source configuration",
                    param="dataset",
                )
            cfg.data.sources[0].path = path
            cfg.data.sources[0].format = kind or cfg.data.sources[0].format
        else:
            cfg.data.sources = [SourceConfig(format=kind or "class-folder", path=path)]
            cfg.name = name or Path(output).name or "scicbir-model"
            if recipe_name is not None:
                cfg.description = (
                    f"SCI-CBIR model trained with the '{RECIPES[recipe_name].label}' recipe on "
                    f"{Path(path).name}."
                )
            else:
                cfg.description = f"SCI-CBIR model trained on {Path(path).name}."
        if scale is None:
            scale = "auto"
    elif kind is not None and config is not None:
        if len(cfg.data.sources) != 1:
            raise InputError(f"{where}: 'kind' needs a one-source configuration", param="kind")
        cfg.data.sources[0].format = kind
    if name is not None:
        cfg.name = name
    if output is not None:
        cfg.output = str(Path(output).expanduser().resolve())
    if stages is not None:
        cfg.stages = list(stages)
    if epochs is not None:
        per_stage = [epochs] * 3 if isinstance(epochs, int) else list(epochs)
        if len(per_stage) != 3 or any(not isinstance(e, int) or e < 1 for e in per_stage):
            raise InputError(
                f"'epochs' must be a positive number or three (stages 1, 2, 3), got {epochs}",
                param="epochs",
            )
        for stage, n in zip((cfg.stage1, cfg.stage2, cfg.stage3), per_stage, strict=True):
            stage.epochs = n
    if batch_size is not None:
        cfg.batch_size = batch_size
    if max_steps_per_epoch is not None:
        cfg.max_steps_per_epoch = max_steps_per_epoch or None
    if device is not None:
        cfg.device = device
    if scale is not None:
        cfg.data.normalisation_scale = _scale_value(scale, "scale")
    if offset is not None:
        cfg.data.normalisation_offset = _scale_value(offset, "offset")
    cfg.validate()
    return cfg
