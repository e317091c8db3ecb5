"""Methods on archive folders: archive.info, archive.verify, compress (job), index.rebuild (job),
decode."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

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
    from scicbir.archive.info import archive_info as info

    return info(archive)


def archive_verify(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """The read-only health report of ``scicbir archive verify`` (``ok`` false when damaged)."""
    p = Params("archive.verify", params, ("archive",))
    archive = p.path("archive", required=True)
    from scicbir.archive.verify import verify_archive as verify

    return verify(archive)


def compress(service: Service, params: dict[str, Any]) -> JobPlan:
    from scicbir.archive.requests import CompressRequest, run_compress

    request = CompressRequest.from_params(params)

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
    from scicbir.archive.store import Archive

    def run(progress, cancel) -> dict[str, Any]:
        progress(0, 1, "rebuilding the index")
        with Archive.open(folder) as archive:
            index = archive.rebuild_index()
        progress(1, 1, "index rebuilt")
        return {"archive": str(folder), "tiles": int(index.ntotal)}

    return JobPlan(run, archive_resource(folder), {"archive": str(folder)})


def decode(service: Service, params: dict[str, Any]) -> dict[str, Any]:
    """Tiles -> one GeoTIFF each in ``out_dir``, or a whole source raster -> ``out``."""
    from scicbir.archive.requests import DecodeRequest, run_decode

    return run_decode(DecodeRequest.from_params(params), on_archive=service.objects.bind).as_dict()
