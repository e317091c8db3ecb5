"""``archive.stac`` (job): an archive folder as a static STAC catalog (docs/stac.md).

A job, with progress per source and cancel before anything is written; one export at a time
per STAC folder (``busy`` otherwise). The archive itself is only read, so exports and searches
of the same archive, or a compress into it, run side by side.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scicbir.service.jobs import JobPlan

if TYPE_CHECKING:
    from scicbir.service.server import Service

MODULE = "scicbir.stac.export"


def archive_stac(service: Service, params: dict[str, Any]) -> JobPlan:
    from scicbir.stac.export import run_stac_export
    from scicbir.stac.requests import StacExportRequest

    request = StacExportRequest.from_params(params)

    def run(progress, cancel) -> dict[str, Any]:
        return run_stac_export(request, progress=progress, cancel=cancel).as_dict()

    return JobPlan(
        run,
        "stac:" + os.path.realpath(request.out),
        {"archive": request.archive, "out": request.out},
    )
