"""Methods that train and evaluate models: train (job), train.inspect (query), eval (job).

``train`` takes a recipe (``scicbir.training.recipes``: the shipped models' configurations) or
a YAML configuration (as ``scicbir train --config``) with the fields of the plugin's training
dialog (dataset, output, epochs... override the recipe or the file). Running it again with the
same output continues from the last checkpoint, after a cancel or a killed engine alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scicbir.service.jobs import JobPlan
from scicbir.service.params import Params, ParamsError

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.training"
TRAIN_PARAMS = (
    "recipe", "config", "dataset", "kind", "stages", "epochs", "batch_size",
    "max_steps_per_epoch", "device", "output", "name", "scale", "offset", "resume",
)  # fmt: skip
INSPECT_PARAMS = ("recipe", "config", "dataset", "kind")


def _epochs(p: Params) -> int | list[int] | None:
    value = p.any("epochs")
    if isinstance(value, list):
        epochs = p.int_list("epochs")
        if len(epochs) != 3 or min(epochs) < 1:
            raise ParamsError("train", "'epochs' must list three positive numbers", "epochs")
        return epochs
    return p.int("epochs", minimum=1)


def _training_config(p: Params, method: str, **overrides: Any):
    """The run's ``TrainConfig`` from a recipe, a YAML file or the dialog's fields."""
    recipe = p.str("recipe")
    config_path = p.path("config")
    dataset = p.str("dataset")
    if recipe is None and config_path is None and dataset is None:
        raise ParamsError(
            method, "give 'recipe' and 'dataset', 'config' (a training YAML file) or 'dataset'",
            "recipe",
        )  # fmt: skip
    from scicbir.training.recipes import training_config

    return training_config(
        recipe_name=recipe, config=config_path, dataset=dataset, kind=p.str("kind"), **overrides
    )


def train(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("train", params, TRAIN_PARAMS)
    resume = p.bool("resume", True)
    from scicbir.training import train as run_training

    cfg = _training_config(
        p,
        "train",
        output=p.str("output"),
        name=p.str("name"),
        stages=p.int_list("stages"),
        epochs=_epochs(p),
        batch_size=p.int("batch_size", minimum=2),
        max_steps_per_epoch=p.int("max_steps_per_epoch", minimum=0),
        device=p.str("device"),
        scale=p.any("scale"),
        offset=p.any("offset"),
    )
    config_path = p.path("config")

    def run(progress, cancel) -> dict[str, Any]:
        # a scale 'auto' is read from the data here, in the job, not on the request loop
        summary = run_training(cfg, progress=progress, cancel=cancel, restart=not resume)
        summary["model"] = summary.get("package")  # the model package a client offers to use
        return summary

    return JobPlan(
        run,
        "train:" + os.path.realpath(cfg.output),
        {
            "recipe": p.str("recipe"),
            "config": str(config_path) if config_path else None,
            "output": cfg.output,
        },
    )


def inspect(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """What the training dialog shows before a run: the recipes, the parameters of the chosen
    recipe or YAML file and, with ``dataset``, the sample counts per split, the bands and the
    value scale of the data (as the run would read them)."""
    p = Params("train.inspect", params, INSPECT_PARAMS)
    recipe_name = p.str("recipe")
    config_path = p.path("config")
    from scicbir.training.recipes import RECIPES

    answer: dict[str, Any] = {
        "recipes": [{"name": r.name, "label": r.label, "bands": r.bands} for r in RECIPES.values()]
    }
    if recipe_name is not None or config_path is not None:
        from scicbir.training.config import load_config
        from scicbir.training.recipes import load_recipe, parameters, recipe

        if recipe_name is not None:
            answer["recipe"] = {"name": recipe_name, "label": recipe(recipe_name).label}
        base = load_recipe(recipe_name) if recipe_name is not None else load_config(config_path)
        answer["parameters"] = parameters(base)
    if p.str("dataset") is not None:
        from scicbir.training.value_scale import inspect_dataset

        # the output folder is not looked at; the data section is the run's
        cfg = _training_config(p, "train.inspect", output=os.path.join(os.getcwd(), "inspect"))
        answer["dataset"] = inspect_dataset(cfg.data).as_dict()
    return answer


def evaluate(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("eval", params, ("model", "data", "split", "max_samples", "device"))
    model = p.str("model", required=True)
    data = p.path("data", required=True)
    options: dict[str, Any] = {"split": p.str("split", "test"), "device": p.str("device", "auto")}
    max_samples = p.int("max_samples", minimum=1)
    if max_samples is not None:
        options["max_samples"] = max_samples
    # The submodule, not the package attribute: importing ``scicbir.training.evaluate`` rebinds
    # the package's ``evaluate`` name to the module.
    from scicbir.training.evaluate import evaluate as run_eval

    def run(progress, cancel) -> dict[str, Any]:
        return run_eval(model, data, progress=progress, cancel=cancel, **options)

    return JobPlan(run, None, {"model": model, "data": str(data)})


def train_archive(service: Service, params: dict[str, Any]) -> JobPlan:
    """``train.archive``: adapt an archive's hash codes without labels (``AdaptRequest`` fields:
    archive, output, name, device, steps, max_tiles, ...); the answer is ``AdaptResult`` with
    ``model`` set to the new package's folder, as ``train`` answers."""
    from scicbir.training.adapt import AdaptRequest
    from scicbir.training.adapt import adapt_archive as adapt

    request = AdaptRequest.from_params(params)

    def run(progress, cancel) -> dict[str, Any]:
        answer = adapt(request, progress=progress, cancel=cancel).as_dict()
        answer["model_name"] = answer["model"]
        answer["model"] = answer["model_path"]
        return answer

    return JobPlan(
        run,
        "archive:" + os.path.realpath(request.archive),
        {"archive": request.archive, "output": request.output},
    )
