"""Adapt an archive's hash codes to its own imagery, without labels: one request, one entry point.

``adapt_archive(AdaptRequest, progress, cancel)`` is what ``scicbir train --archive DIR
--self-supervised``, the service method ``train.archive`` and the plugin's "Train on this archive
(no labels)" all run:

1. the archive's tiles are decoded and their augmented versions encoded once
   (``self_supervised.archive_views``), reading the archive only: compresses may go on
   meanwhile;
2. a fresh hashing part is trained on them (``self_supervised.train_head``);
3. a new model package is written: the archive model's codec and rate points, bit for bit, with
   the new hashing part (``ModelPackage`` ``with_hash_head``), next to the user's other models;
4. the archive is re-hashed with it in one transaction (``scicbir.archive.rehash``).

The old model package is left as it was: other archives keep using it, and re-hashing this one
with it (``scicbir archive rehash DIR --model OLD``) gives the old codes back.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.training.self_supervised import SelfSupervisedSettings

_SETTINGS = {f.name: f.type for f in fields(SelfSupervisedSettings)}


@dataclass(frozen=True)
class AdaptRequest:
    """What to adapt and how. ``output``: the new package folder (default: the user's models
    folder / ``name``); ``name``: the new model's name (default: ``<model>-<archive folder>``)."""

    archive: str
    output: str | None = None
    name: str | None = None
    device: str = "cpu"
    settings: SelfSupervisedSettings = field(default_factory=SelfSupervisedSettings)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AdaptRequest:
        """A request from a JSON-like dict (service, dialog); errors name the bad field."""
        known = {"archive", "output", "name", "device", *_SETTINGS}
        unknown = sorted(set(params) - known)
        if unknown:
            raise InputError(
                f"unknown field(s) {unknown}; known: {sorted(known)}", field=unknown[0]
            )
        archive = params.get("archive")
        if not isinstance(archive, str) or not archive:
            raise InputError("'archive' must be the archive folder", field="archive")
        values: dict[str, Any] = {}
        for name in _SETTINGS:
            if params.get(name) is None:
                continue
            default = getattr(SelfSupervisedSettings, name)
            kind = type(default)
            try:
                value = params[name]
                if isinstance(value, bool) or (kind is int and float(value) != int(value)):
                    raise ValueError
                values[name] = kind(value)
            except (TypeError, ValueError):
                raise InputError(f"'{name}' must be a number", field=name) from None
        settings = SelfSupervisedSettings(**values)
        settings.validate()
        for key in ("output", "name", "device"):
            if params.get(key) is not None and not isinstance(params[key], str):
                raise InputError(f"'{key}' must be a string", field=key)
        return cls(
            archive=archive,
            output=params.get("output"),
            name=params.get("name"),
            device=params.get("device") or "cpu",
            settings=settings,
        )


@dataclass
class AdaptResult:
    archive: str
    model: str
    model_path: str
    previous_model: str
    tiles_trained: int
    tiles_rehashed: int
    steps: int
    curve: list[dict[str, float]]
    seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_name(model_id: str, archive: Path) -> str:
    return f"{model_id}-{archive.resolve().name}".replace(" ", "-")


def _free_folder(folder: Path) -> Path:
    if not folder.exists():
        return folder
    for i in range(2, 1000):
        candidate = folder.with_name(f"{folder.name}-{i}")
        if not candidate.exists():
            return candidate
    raise InputError(f"no free folder name next to {folder}; give --output")


def adapt_archive(
    request: AdaptRequest,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> AdaptResult:
    """Run the four steps of the module docstring; returns what was made and measured."""
    from scicbir.archive.rehash import rehash_archive
    from scicbir.archive.store import Archive
    from scicbir.codec import TileCodec
    from scicbir.environment import select_device
    from scicbir.models.package import ModelPackage, with_hash_head
    from scicbir.models.registry import user_models_dir
    from scicbir.training.card import self_supervised_card
    from scicbir.training.self_supervised import archive_views, code_balance, logits_of, train_head

    progress = progress or no_progress
    settings = request.settings
    settings.validate()
    folder = Path(request.archive)
    device = select_device(request.device)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    with Archive.open(folder, read_only=True) as archive:
        base = archive.package
        root = ModelPackage.load(base.path)  # the default point: it holds the hashing part
        codec = TileCodec(base, device=device)
        views = archive_views(archive, codec, settings, progress, cancel)
        seconds["prepare"] = round(time.perf_counter() - t0, 3)
        name = request.name or default_name(root.model_id, folder)
        out = Path(request.output) if request.output else _free_folder(user_models_dir() / name)
        if out.exists():
            raise InputError(
                f"{out} already exists; choose another output folder for the new model",
                field="output",
            )
        log = out.with_name(f".{out.name}.curve.csv")
        t1 = time.perf_counter()
        trained = train_head(root.config, views, settings, device, progress, cancel, log)
        seconds["train"] = round(time.perf_counter() - t1, 3)
        balance = code_balance(logits_of(trained.head, root.config, views.latents[:, 0]))
        card = self_supervised_card(
            root, archive.folder, len(views), views.variants, settings, trained, balance
        )
        t2 = time.perf_counter()
        if cancel is not None:
            cancel.raise_if_cancelled("writing the new model")
        package = with_hash_head(
            root,
            trained.head,
            out,
            name,
            card,
            extra={"adapted_from": root.model_id, "adapted_to_archive": str(folder.resolve())},
        )
        if log.is_file():
            log.replace(out / "self-supervised-curve.csv")
        seconds["package"] = round(time.perf_counter() - t2, 3)
        previous = archive.model.model_id if archive.model else root.model_id
    # the re-hash takes the writer lock and covers every tile at its commit, tiles that a
    # compress added while the hashing part trained included
    t3 = time.perf_counter()
    summary = rehash_archive(folder, package, progress, cancel)
    seconds["rehash"] = round(time.perf_counter() - t3, 3)
    seconds["total"] = round(time.perf_counter() - t0, 3)
    return AdaptResult(
        archive=str(folder.resolve()),
        model=package.model_id,
        model_path=str(package.path.resolve()),
        previous_model=previous,
        tiles_trained=len(views),
        tiles_rehashed=summary.tiles,
        steps=trained.steps,
        curve=trained.curve,
        seconds=seconds,
    )
