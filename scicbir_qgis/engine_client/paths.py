"""Path mapping between the plugin's machine and an engine that runs elsewhere (ssh, container).

An engine on a GPU box sees the shared data under other folders than the analyst's laptop
(``/home/me/archives`` here, ``/mnt/archives`` there). Every path the plugin sends is translated
local -> remote, and every path the engine answers (replies, notifications, error data)
remote -> local, here and nowhere else, so the rest of the plugin only ever sees local paths.

Which fields are paths is listed explicitly per method (``PATH_PARAMS``, ``ANSWER_PATHS``,
``NOTIFICATION_PATHS``, ``ERROR_DATA_PATHS``), read from docs/protocol.md and the service's
methods; nothing is guessed from the shape of a string. A field spec is a dotted key path where
``name[]`` steps into each item of a list (``"results[].source"``). A value that is not an
absolute path under a mapped folder (a model *name*, a relative path) is left as it is.

The remote side is taken to be POSIX (the engine runs on Linux); the local side follows this
machine (Windows paths compare case-insensitively there). Pure functions, standard library only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any

#: Request params that are paths (files or folders), per method. Every method of
#: ``protocol_v1.METHODS`` has an entry; a test checks them against the engine's param names.
PATH_PARAMS: dict[str, tuple[str, ...]] = {
    "hello": (),
    "ping": (),
    "info": (),
    "models": ("dirs",),  # a list of folders
    "jobs": (),
    "cancel": (),
    "shutdown": (),
    "archive.info": ("archive",),
    "archive.verify": ("archive",),
    "archive.stac": ("archive", "out"),
    "compress": ("input", "archive", "model"),  # model: a name or a package folder
    "index.rebuild": ("archive",),
    "decode": ("archive", "source", "out_dir", "out"),
    "search": ("archive", "raster", "out", "decode"),
    "search.refine": ("archive", "raster", "out", "decode"),
    "train": ("config", "dataset", "output"),
    "train.inspect": ("config", "dataset"),
    "train.archive": ("archive", "output"),
    "eval": ("model", "data"),
}

#: Params the engine writes to (created when missing): for these the folder that must exist
#: on the engine's side is the parent.
OUTPUT_PARAMS: dict[str, tuple[str, ...]] = {
    "archive.stac": ("out",),
    "compress": ("archive",),
    "decode": ("out_dir", "out"),
    "search": ("out", "decode"),
    "search.refine": ("out", "decode"),
    "train": ("output",),
    "train.archive": ("output",),
}

_SEARCH_ANSWER = ("archive", "raster", "out", "results[].source", "results[].path")

#: Path fields of each method's result (a job's: of its ``job.finished`` result). ``hello``'s
#: ``executable`` is the engine's own interpreter on its machine and is shown as it is there.
ANSWER_PATHS: dict[str, tuple[str, ...]] = {
    "hello": (),
    "ping": (),
    "info": ("models[].path",),
    "models": ("models[].path",),
    "jobs": (),  # each listed job is translated by its own method (see ``localise_answer``)
    "cancel": (),
    "shutdown": (),
    "archive.info": ("archive",),
    "archive.verify": ("archive", "catalog.path"),
    "archive.stac": ("archive", "out", "collection"),
    "compress": (
        "archive",
        "catalog",
        "sources[].path",
        "sources[].data.file",
        "sources[].data.archive",
    ),
    "index.rebuild": ("archive",),
    "decode": ("path", "files[].path"),
    "search": _SEARCH_ANSWER,
    "search.refine": _SEARCH_ANSWER,
    "train": ("output", "package", "model"),
    "train.inspect": ("parameters.sources[].path",),
    "train.archive": ("archive", "model", "model_path", "previous_model"),
    "eval": (),
}

#: Path fields of notifications (``job.finished`` also gets its method's ``ANSWER_PATHS`` on
#: ``result`` and ``ERROR_DATA_PATHS`` on ``error.data``).
NOTIFICATION_PATHS: dict[str, tuple[str, ...]] = {
    "progress": ("figures.source",),
    "job.finished": (),
    "log": (),  # free text
}

#: Path fields of an error's ``data`` (docs/protocol.md, "Reasons").
ERROR_DATA_PATHS: tuple[str, ...] = ("file", "archive")

Convert = Callable[[str], str]


@dataclass(frozen=True)
class PathMapping:
    """One pair: the folder as this machine sees it and the same folder as the engine sees it."""

    local: str
    remote: str


@dataclass(frozen=True)
class Translation:
    """A path param as the user gave it and as it was sent (equal when no mapping applied)."""

    param: str
    local: str
    remote: str
    output: bool = False  # the engine creates it: its parent must exist there


class PathMap:
    """The mapping setting as translating functions (longest matching folder wins).

    ``windows`` chooses how local paths are read (default: this machine's kind), so tests can
    check Windows laptops on Linux.
    """

    def __init__(self, mappings: Iterable[PathMapping] = (), windows: bool | None = None):
        self._local_kind: type[PurePath] = (
            PureWindowsPath if (os.name == "nt" if windows is None else windows) else PurePosixPath
        )
        pairs = []
        for mapping in mappings:
            local, remote = mapping.local.strip(), mapping.remote.strip()
            if not self._local_kind(local).is_absolute():
                raise ValueError(f"the local folder '{mapping.local}' is not an absolute path")
            if not PurePosixPath(remote).is_absolute():
                raise ValueError(f"the engine folder '{mapping.remote}' is not an absolute path")
            pairs.append(PathMapping(local, remote))
        self.mappings: tuple[PathMapping, ...] = tuple(pairs)

    def __bool__(self) -> bool:
        return bool(self.mappings)

    def __repr__(self) -> str:
        return f"PathMap({list(self.mappings)!r})"

    @classmethod
    def from_pairs(cls, pairs: Iterable[Sequence[str]], windows: bool | None = None) -> PathMap:
        """From ``[(local, remote), ...]`` as the settings store them; empty rows are skipped."""
        mappings = [
            PathMapping(str(p[0]), str(p[1]))
            for p in pairs
            if len(p) == 2 and (str(p[0]).strip() or str(p[1]).strip())
        ]
        return cls(mappings, windows)

    # ------------------------------------------------------------------ single paths

    def to_remote(self, path: str) -> str:
        """``path`` as the engine sees it; unchanged when no mapped folder holds it."""
        return _move(
            path, self._local_kind, PurePosixPath, [(m.local, m.remote) for m in self.mappings]
        )

    def to_local(self, path: str) -> str:
        """A path the engine answered, as this machine sees it; unchanged when unmapped."""
        return _move(
            path, PurePosixPath, self._local_kind, [(m.remote, m.local) for m in self.mappings]
        )

    # ------------------------------------------------------------------ messages

    def translate_params(
        self, method: str, params: dict[str, Any]
    ) -> tuple[dict, list[Translation]]:
        """The request's params with their path fields made remote, and what each became."""
        out = dict(params)
        done: list[Translation] = []
        outputs = OUTPUT_PARAMS.get(method, ())
        for name in PATH_PARAMS.get(method, ()):
            value = out.get(name)
            if isinstance(value, str):
                out[name] = self.to_remote(value)
                done.append(Translation(name, value, out[name], name in outputs))
            elif isinstance(value, list):
                out[name] = [self.to_remote(v) if isinstance(v, str) else v for v in value]
                done.extend(
                    Translation(name, v, r, name in outputs)
                    for v, r in zip(value, out[name], strict=True)
                    if isinstance(v, str)
                )
        return out, done

    def localise_answer(self, method: str, result: Any) -> Any:
        """A method's result with its path fields made local (changed in place and returned)."""
        if not self:
            return result
        if method == "jobs" and isinstance(result, dict):
            for job in result.get("jobs") or []:
                if isinstance(job, dict):
                    self._localise_job(job)
            return result
        return apply_fields(result, ANSWER_PATHS.get(method, ()), self.to_local)

    def localise_error_data(self, data: Any) -> Any:
        """An error's ``data`` with its path fields made local."""
        if not self:
            return data
        return apply_fields(data, ERROR_DATA_PATHS, self.to_local)

    def localise_notification(self, method: str, params: Any) -> Any:
        """A notification's params with their path fields made local."""
        if not self or not isinstance(params, dict):
            return params
        apply_fields(params, NOTIFICATION_PATHS.get(method, ()), self.to_local)
        if method == "job.finished":
            job_method = str(params.get("method") or "")
            params["result"] = self.localise_answer(job_method, params.get("result"))
            error = params.get("error")
            if isinstance(error, dict):
                error["data"] = self.localise_error_data(error.get("data"))
        return params

    def _localise_job(self, job: dict) -> None:
        """One entry of ``jobs``: its echoed params, progress, result and error, and its
        ``resource`` (the lock it holds: ``archive:PATH`` or ``train:PATH``)."""
        method = str(job.get("method") or "")
        resource = job.get("resource")
        if isinstance(resource, str) and ":" in resource:
            kind, path = resource.split(":", 1)
            job["resource"] = f"{kind}:{self.to_local(path)}"
        apply_fields(job.get("params"), PATH_PARAMS.get(method, ()), self.to_local)
        apply_fields(job.get("progress"), NOTIFICATION_PATHS["progress"], self.to_local)
        job["result"] = self.localise_answer(method, job.get("result"))
        if isinstance(job.get("error"), dict):
            job["error"]["data"] = self.localise_error_data(job["error"].get("data"))


def _move(
    path: str, source: type[PurePath], target: type[PurePath], pairs: list[tuple[str, str]]
) -> str:
    """``path`` moved from the first folder of the longest matching pair to its second."""
    if not path:
        return path
    here = source(path)
    if not here.is_absolute():
        return path
    best: tuple[int, PurePath, str] | None = None
    for old, new in pairs:
        base = source(old)
        if (here == base or base in here.parents) and (best is None or len(base.parts) > best[0]):
            best = (len(base.parts), base, new)
    if best is None:
        return path
    rest = here.relative_to(best[1])
    moved = target(best[2]).joinpath(*rest.parts)
    return str(moved)


def apply_fields(data: Any, specs: Iterable[str], convert: Convert) -> Any:
    """Replace the strings at the ``specs`` key paths of ``data`` by ``convert(string)``, in
    place; missing keys and values of other types are left alone. Returns ``data``."""
    for spec in specs:
        _apply(data, spec.split("."), convert)
    return data


def _apply(node: Any, parts: list[str], convert: Convert) -> None:
    if not parts or not isinstance(node, dict):
        return
    key, rest = parts[0], parts[1:]
    if key.endswith("[]"):
        items = node.get(key[:-2])
        if not isinstance(items, list):
            return
        for i, item in enumerate(items):
            if not rest:
                if isinstance(item, str):
                    items[i] = convert(item)
            else:
                _apply(item, rest, convert)
        return
    if key not in node:
        return
    if rest:
        _apply(node[key], rest, convert)
    elif isinstance(node[key], str):
        node[key] = convert(node[key])


#: Reasons and message parts with which the engine says that a path is not there.
_MISSING_REASONS = frozenset({"raster_missing", "archive_missing", "not_an_archive"})
_MISSING_WORDS = ("does not exist", "no such file", "not found", "is not a scicbir archive")


def unseen_path(
    code: str,
    message: str,
    data: Any,
    sent: Sequence[Translation],
    exists: Callable[[str], bool] = os.path.exists,
) -> Translation | None:
    """The path param that the engine could not find although it is there on this machine.

    That is the mark of a missing or wrong mapping (or a share not mounted on the engine's
    machine): the engine answers ``invalid_input`` naming the path it got, saying it is missing,
    while the local path exists (for a path the engine creates: its parent folder). ``data`` is
    the error's data as the engine sent it (remote paths). None when no param fits.
    """
    if code != "invalid_input":
        return None
    fields = data if isinstance(data, dict) else {}
    reason = str(fields.get("reason") or "")
    text = message.lower()
    if reason not in _MISSING_REASONS and not any(w in text for w in _MISSING_WORDS):
        return None
    named = [str(fields[k]) for k in ERROR_DATA_PATHS if isinstance(fields.get(k), str)]
    for item in sent:
        if not PurePosixPath(item.remote).is_absolute() and not os.path.isabs(item.remote):
            continue
        mentioned = item.remote in message or any(
            _same_or_inside(n, item.remote) or _same_or_inside(item.remote, n) for n in named
        )
        if not mentioned:
            continue
        if reason == "not_an_archive":
            present = exists(os.path.join(item.local, "catalog.gpkg"))
        elif item.output:
            present = exists(item.local) or exists(os.path.dirname(item.local.rstrip("/\\")))
        else:
            present = exists(item.local)
        if present:
            return item
    return None


def _same_or_inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")
