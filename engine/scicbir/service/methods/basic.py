"""Methods about the engine itself: hello, ping, info, models, jobs, cancel, shutdown."""

from __future__ import annotations

import os
import socket
import sys
import time
from typing import TYPE_CHECKING, Any

from scicbir import PROTOCOL_VERSION, __version__
from scicbir.errors import InputError
from scicbir.service.availability import present
from scicbir.service.params import Params

if TYPE_CHECKING:
    from scicbir.service.server import Service


def hello(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Handshake: versions and which methods this build can run. Imports nothing heavy."""
    Params("hello", params, ("client",))
    return {
        "protocol": PROTOCOL_VERSION,
        "engine": __version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "pid": os.getpid(),
        # the machine the engine runs on: a client driving it through ssh shows where it landed
        "host": socket.gethostname(),
        "methods": {
            name: (m.module is None or present(m.module)) for name, m in service.methods.items()
        },
    }


def ping(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Heartbeat: the cheapest answer there is, so that a client driving the engine over a pipe
    (ssh) can tell a live but idle engine from a dropped connection. Answered on the request
    loop, also while jobs run."""
    Params("ping", params, ())
    return {"pong": True, "time": time.time()}


def info(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Library versions actually imported, device, models (slow the first time: imports torch)."""
    from scicbir.environment import engine_info

    Params("info", params, ())
    return engine_info()


def models(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Model packages the engine can use (shipped, ``$SCICBIR_MODEL_PATH``, user folder), plus
    those in the client's ``dirs`` (e.g. the plugin's folder of trained models, which the
    engine cannot know: it is a setting of the client)."""
    p = Params("models", params, ("dirs",))
    from scicbir.models.registry import list_models

    extra = p.str_list("dirs") or []
    return {"models": [model_summary(package) for package in list_models(extra)]}


def model_summary(package: Any) -> dict[str, Any]:
    """What a client shows to pick a model: name, folder, identity, bands, sizes, description."""
    cfg = package.config
    return {
        "name": package.model_id,
        "model_id": package.model_id,
        "path": str(package.path),
        "checksum": package.checksum,
        "bands": list(cfg.band_names),
        "tile_size": int(cfg.tile_size),
        "hash_bits": int(cfg.hash_bits),
        "N": int(cfg.N),
        "M": int(cfg.M),
        "description": getattr(cfg, "description", ""),
        "onnx": package.onnx_path() is not None,
        "quality": package.quality,
        "rate_points": package.summary()["rate_points"],
    }


def jobs(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Running and finished jobs, oldest first."""
    p = Params("jobs", params, ("job",))
    job_id = p.str("job")
    listed = service.jobs.list()
    if job_id is not None:
        listed = [j for j in listed if j.id == job_id]
        if not listed:
            raise InputError(f"no job '{job_id}' in this engine; 'jobs' lists them", job=job_id)
    return {"jobs": [job.summary() for job in listed]}


def cancel(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Ask a job (``job``) or a query being answered (``request``: its request id) to stop at
    its next safe point; a job then ends with ``job.finished`` state cancelled, a query with an
    error reply ``cancelled``."""
    p = Params("cancel", params, ("job", "request"))
    if "request" in params and "job" not in params:
        request_id = p.any("request")
        stopping = service.cancel_query(request_id)
        return {"request": request_id, "cancel_requested": stopping}
    job_id = p.str("job", required=True)
    job = service.jobs.cancel(job_id)
    if job is None:
        raise InputError(f"no job '{job_id}' in this engine; 'jobs' lists them", job=job_id)
    return {"job": job.id, "state": job.state, "cancel_requested": not job.finished}


def shutdown(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Stop reading requests; running jobs are cancelled at a safe point before the exit."""
    Params("shutdown", params, ())
    service.running = False
    return {"ok": True}
