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
from scicbir.service.params import Params

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.training"
INSPECT_PARAMS = ("recipe", "config", "dataset", "kind")


def _training_config(p: Params, method: str, **overrides: Any):
    """The ``TrainConfig`` of ``train.inspect``'s recipe/config/dataset fields."""
    from scicbir.training.request import TrainRequest

    request = TrainRequest.from_params(
        {k: v for k, v in p.raw.items() if k in ("recipe", "config", "dataset", "kind")}, method
    )
    return TrainRequest(**{**request.__dict__, **overrides}).training_config()


def train(service: Service, params: dict[str, Any]) -> JobPlan:
    from scicbir.training.request import TrainRequest, run_train

    request = TrainRequest.from_params(params)
    cfg = request.training_config()  # refused here, before a job starts, when it cannot be made

    def run(progress, cancel) -> dict[str, Any]:
        # a scale 'auto' is read from the data here, in the job, not on the request loop
        return run_train(request, progress, cancel, config=cfg)

    return JobPlan(
        run,
        "train:" + os.path.realpath(cfg.output),
        {"recipe": request.recipe, "config": request.config, "output": cfg.output},
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
