"""The engine's JSON-lines protocol, version 1, as one standard-library module.

The engine (``scicbir.service``) and the QGIS plugin (``scicbir_qgis.engine_client``) each carry
this very file, byte for byte (the plugin build copies it; a test compares them), because they
run in different Python processes and the plugin cannot import the engine. It holds what both
sides must agree on: the protocol version, the methods and how each runs, the error codes, and
the answers the plugin reads, as typed objects parsed from the JSON. A field renamed on one side
fails that test and the parsing tests, not a user's map. Prose: docs/protocol.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1

#: method -> how it runs: "inline" (on the request loop), "query" (thread pool), "job"
METHODS: dict[str, str] = {
    "hello": "inline",
    "ping": "inline",
    "info": "query",
    "models": "query",
    "jobs": "inline",
    "cancel": "inline",
    "shutdown": "inline",
    "archive.info": "query",
    "archive.verify": "query",
    "archive.stac": "job",
    "compress": "job",
    "index.rebuild": "job",
    "decode": "query",
    "search": "query",
    "search.refine": "query",
    "train": "job",
    "train.inspect": "query",
    "train.archive": "job",
    "eval": "job",
}

# Error codes of error replies (``{"error": {"code", "message", "data"}}``)
PARSE_ERROR = "parse_error"
INVALID_REQUEST = "invalid_request"
METHOD_NOT_FOUND = "method_not_found"
INVALID_PARAMS = "invalid_params"
INTERNAL_ERROR = "internal_error"
INVALID_INPUT = "invalid_input"
MODEL_MISMATCH = "model_mismatch"
ARCHIVE_DAMAGED = "archive_damaged"
CANCELLED = "cancelled"
BUSY = "busy"
NOT_AVAILABLE = "not_available"
ERROR_CODES = (
    PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
    INVALID_INPUT, MODEL_MISMATCH, ARCHIVE_DAMAGED, CANCELLED, BUSY, NOT_AVAILABLE,
)  # fmt: skip


class AnswerError(ValueError):
    """An answer lacks a field this protocol version promises (engine and plugin disagree)."""


def _need(data: Any, key: str, what: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise AnswerError(f"{what} answer without '{key}': engine and plugin versions differ")
    return data[key]


@dataclass(frozen=True)
class Hit:
    """One ranked archive tile of a ``search`` / ``search.refine`` answer (``results``)."""

    rank: int
    tile_id: int
    distance: float
    source: str
    similarity: float | None = None
    path: str = ""  # the decoded GeoTIFF, when the request asked for ``decode``
    damaged: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hit:
        return cls(
            rank=int(_need(data, "rank", "search")),
            tile_id=int(_need(data, "tile_id", "search")),
            distance=float(_need(data, "distance", "search")),
            source=str(_need(data, "source", "search")),
            similarity=data.get("similarity"),
            path=str(data.get("path") or ""),
            damaged=bool(data.get("damaged", False)),
            raw=dict(data),
        )


@dataclass(frozen=True)
class SearchAnswer:
    archive: str
    hits: tuple[Hit, ...]
    out: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchAnswer:
        hits = tuple(Hit.from_json(h) for h in _need(data, "results", "search"))
        return cls(str(_need(data, "archive", "search")), hits, data.get("out"))


@dataclass(frozen=True)
class FailedSource:
    path: str
    error: str
    reason: str = ""  # the failure's reason code (scicbir_qgis.core.messages words it)


@dataclass(frozen=True)
class CompressAnswer:
    archive: str
    catalog: str
    added: int
    replaced: int
    unchanged: int
    failed: tuple[FailedSource, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompressAnswer:
        failed = tuple(
            FailedSource(
                str(s.get("path", "?")),
                str(s.get("error") or ""),
                str(s.get("reason") or s.get("code") or ""),
            )
            for s in _need(data, "sources", "compress")
            if isinstance(s, dict) and s.get("status") == "failed"
        )
        return cls(
            archive=str(_need(data, "archive", "compress")),
            catalog=str(_need(data, "catalog", "compress")),
            added=int(_need(data, "added", "compress")),
            replaced=int(_need(data, "replaced", "compress")),
            unchanged=int(_need(data, "unchanged", "compress")),
            failed=failed,
        )


@dataclass(frozen=True)
class TrainAnswer:
    """``train`` and ``train.archive``: ``model`` is the new model package folder;
    ``archive`` is set when an archive was switched to the new codes (``train.archive``)."""

    model: str
    archive: str | None = None
    model_name: str | None = None
    previous_model: str | None = None
    tiles_rehashed: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainAnswer:
        tiles = data.get("tiles_rehashed")
        return cls(
            model=str(_need(data, "model", "train")),
            archive=data.get("archive"),
            model_name=data.get("model_name"),
            previous_model=data.get("previous_model"),
            tiles_rehashed=int(tiles) if tiles is not None else None,
        )
