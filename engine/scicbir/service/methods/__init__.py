"""The service's method table: name -> how it runs (inline, query, job) and its handler.

- ``inline``: answered on the request loop itself; instant (``hello``, ``ping``, ``jobs``,
  ``cancel``).
- ``query``: answered from a small thread pool so the loop keeps reading (a ``cancel`` is never
  stuck behind a slow query); replies may come back in a different order than the requests.
- ``job``: the handler validates params and returns a ``JobPlan``; the reply carries the job id
  at once and the work runs in a worker thread (see ``service/jobs.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scicbir.service.server import Service

Handler = Callable[["Service", dict[str, Any]], Any]


@dataclass(frozen=True)
class Method:
    name: str
    kind: str  # "inline" | "query" | "job"
    handler: Handler
    module: str | None = None  # engine module it needs; absent from a build -> not_available


def method_table() -> dict[str, Method]:
    """All methods of protocol version 1 (docs/protocol.md)."""
    from scicbir.service.methods import archive, basic, search, stac, training

    methods = [
        Method("hello", "inline", basic.hello),
        Method("ping", "inline", basic.ping),
        Method("info", "query", basic.info),
        Method("models", "query", basic.models, "scicbir.models.registry"),
        Method("jobs", "inline", basic.jobs),
        Method("cancel", "inline", basic.cancel),
        Method("shutdown", "inline", basic.shutdown),
        Method("archive.info", "query", archive.archive_info, "scicbir.archive.info"),
        Method("archive.verify", "query", archive.archive_verify, "scicbir.archive.verify"),
        Method("compress", "job", archive.compress, "scicbir.archive.compress"),
        Method("index.rebuild", "job", archive.index_rebuild, archive.MODULE),
        Method("decode", "query", archive.decode, "scicbir.archive.decode"),
        Method("archive.stac", "job", stac.archive_stac, stac.MODULE),
        Method("search", "query", search.search, search.MODULE),
        Method("search.refine", "query", search.refine, search.MODULE),
        Method("train", "job", training.train, training.MODULE),
        Method("train.inspect", "query", training.inspect, training.MODULE),
        Method("train.archive", "job", training.train_archive, "scicbir.training.adapt"),
        Method("eval", "job", training.evaluate, training.MODULE),
    ]
    return {m.name: m for m in methods}
