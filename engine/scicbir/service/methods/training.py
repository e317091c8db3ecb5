"""Methods that train and evaluate models: train (job), eval (job)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scicbir.service.availability import require
from scicbir.service.jobs import JobPlan
from scicbir.service.params import Params

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.training"


def train(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("train", params, ("config",))
    config = p.path("config", required=True)
    run_training = require(MODULE, "train", "train")

    def run(progress, cancel):
        return run_training(config, progress=progress, cancel=cancel)

    return JobPlan(run, "train:" + os.path.realpath(config), {"config": str(config)})


def evaluate(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("eval", params, ("model", "data"))
    model = p.str("model", required=True)
    data = p.path("data", required=True)
    run_eval = require(MODULE, "evaluate", "eval")

    def run(progress, cancel):
        return run_eval(model, data, progress=progress, cancel=cancel)

    return JobPlan(run, None, {"model": model, "data": str(data)})
