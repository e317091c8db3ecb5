"""Methods that train and evaluate models: train (job), eval (job).

``train`` takes a YAML configuration (as ``scicbir train --config``), the fields of the plugin's
training dialog, or both (the fields then override the file). Running it again with the same
output continues from the last checkpoint, after a cancel or a killed engine alike.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scicbir.service.availability import require
from scicbir.service.jobs import JobPlan
from scicbir.service.params import Params, ParamsError

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.training"
TRAIN_PARAMS = (
    "config", "dataset", "kind", "stages", "epochs", "device", "output", "name", "resume",
)  # fmt: skip


def train(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("train", params, TRAIN_PARAMS)
    config_path = p.path("config")
    dataset = p.str("dataset")
    stages = p.int_list("stages")
    epochs = p.int("epochs", minimum=1)
    device = p.str("device")
    output = p.str("output")
    resume = p.bool("resume", True)
    if config_path is None and dataset is None:
        raise ParamsError("train", "give 'config' (a training YAML file) or 'dataset'", "config")
    run_training = require(MODULE, "train", "train")
    cfg = _config(p, config_path, dataset, output)
    if device is not None:
        cfg.device = device
    if output is not None:
        cfg.output = str(Path(output).expanduser().resolve())
    if stages is not None:
        cfg.stages = stages
    if epochs is not None:
        for stage in (cfg.stage1, cfg.stage2, cfg.stage3):
            stage.epochs = epochs
    cfg.validate()

    def run(progress, cancel) -> dict[str, Any]:
        summary = run_training(cfg, progress=progress, cancel=cancel, restart=not resume)
        summary["model"] = summary.get("package")  # the model package a client offers to use
        return summary

    return JobPlan(
        run,
        "train:" + os.path.realpath(cfg.output),
        {"config": str(config_path) if config_path else None, "output": cfg.output},
    )


def _config(p: Params, config_path: Path | None, dataset: str | None, output: str | None):
    """The run's ``TrainConfig``: from the YAML file, or built from the dialog's fields."""
    if config_path is not None:
        load_config = require("scicbir.training.config", "load_config", "train")
        cfg = load_config(config_path)
        if dataset is not None:
            source = cfg.data.sources[0] if len(cfg.data.sources) == 1 else None
            if source is None:
                raise ParamsError(
                    "train", "'dataset' can only replace the folder of a one-source config",
                    "dataset",
                )  # fmt: skip
            source.path = dataset
            source.format = p.str("kind", source.format)
        return cfg
    if output is None:
        raise ParamsError("train", "'output' (the run folder) is required with 'dataset'", "output")
    config_from_dict = require("scicbir.training.config", "config_from_dict", "train")
    name = p.str("name") or Path(output).name or "scicbir-model"
    data = {
        "name": name,
        "output": output,
        "data": {"sources": [{"format": p.str("kind", "class-folder"), "path": dataset}]},
    }
    return config_from_dict(data, f"training request for {dataset}")


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
    run_eval = require("scicbir.training.evaluate", "evaluate", "eval")

    def run(progress, cancel) -> dict[str, Any]:
        return run_eval(model, data, progress=progress, cancel=cancel, **options)

    return JobPlan(run, None, {"model": model, "data": str(data)})
