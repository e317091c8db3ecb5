"""Methods on archive folders: archive.info, compress (job), index.rebuild (job), decode."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scicbir.service.availability import require
from scicbir.service.jobs import JobPlan
from scicbir.service.params import Params

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.archive"


def archive_resource(path: os.PathLike | str) -> str:
    """The lock name of an archive folder: one writing job per folder at a time."""
    return "archive:" + os.path.realpath(os.fspath(path))


def archive_info(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    p = Params("archive.info", params, ("archive",))
    archive = p.path("archive", required=True)
    info = require(MODULE, "archive_info", "archive.info")
    return info(archive)


def compress(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("compress", params, ("input", "archive", "model", "bands", "workers", "device"))
    source = p.path("input", required=True)
    archive = p.path("archive", required=True)
    model = p.str("model")
    bands = p.any("bands")
    workers = p.int("workers", minimum=1)
    device = p.str("device", "auto")
    compress_folder = require(MODULE, "compress_folder", "compress")

    def run(progress, cancel):
        return compress_folder(
            source,
            archive,
            model=model,
            bands=bands,
            workers=workers,
            device=device,
            progress=progress,
            cancel=cancel,
        )

    return JobPlan(
        run,
        archive_resource(archive),
        {"input": str(source), "archive": str(archive), "model": model},
    )


def index_rebuild(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("index.rebuild", params, ("archive",))
    archive = p.path("archive", required=True)
    rebuild_index = require(MODULE, "rebuild_index", "index.rebuild")

    def run(progress, cancel):
        return rebuild_index(archive, progress=progress, cancel=cancel)

    return JobPlan(run, archive_resource(archive), {"archive": str(archive)})


def decode(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    p = Params("decode", params, ("archive", "tiles", "source", "out_dir", "out"))
    archive = p.path("archive", required=True)
    tiles = p.int_list("tiles")
    source = p.str("source")
    decode_tile = require(MODULE, "decode_tile", "decode")
    raise NotImplementedError((archive, tiles, source, decode_tile))
