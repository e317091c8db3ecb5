"""Methods on archive folders: archive.info, archive.verify, compress (job), index.rebuild (job),
decode."""

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
    info = require("scicbir.archive.info", "archive_info", "archive.info")
    return info(archive)


def archive_verify(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """The read-only health report of ``scicbir archive verify`` (``ok`` false when damaged)."""
    p = Params("archive.verify", params, ("archive",))
    archive = p.path("archive", required=True)
    verify = require("scicbir.archive.verify", "verify_archive", "archive.verify")
    return verify(archive)


def compress(service: Service, params: dict[str, Any]) -> JobPlan:
    request_type = require("scicbir.archive.requests", "CompressRequest", "compress")
    run_compress = require("scicbir.archive.requests", "run_compress", "compress")
    request = request_type.from_params(params)

    def run(progress, cancel) -> dict[str, Any]:
        return run_compress(request, progress=progress, cancel=cancel).as_dict()

    return JobPlan(
        run,
        archive_resource(request.archive),
        {"input": request.input, "archive": request.archive, "model": request.model},
    )


def index_rebuild(service: Service, params: dict[str, Any]) -> JobPlan:
    p = Params("index.rebuild", params, ("archive",))
    folder = p.path("archive", required=True)
    archive_type = require("scicbir.archive.store", "Archive", "index.rebuild")

    def run(progress, cancel) -> dict[str, Any]:
        progress(0, 1, "rebuilding the index")
        with archive_type.open(folder) as archive:
            index = archive.rebuild_index()
        progress(1, 1, "index rebuilt")
        return {"archive": str(folder), "tiles": int(index.ntotal)}

    return JobPlan(run, archive_resource(folder), {"archive": str(folder)})


def decode(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Tiles -> one GeoTIFF each in ``out_dir``, or a whole source raster -> ``out``."""
    request_type = require("scicbir.archive.requests", "DecodeRequest", "decode")
    run_decode = require("scicbir.archive.requests", "run_decode", "decode")
    return run_decode(request_type.from_params(params), on_archive=service.objects.bind).as_dict()
