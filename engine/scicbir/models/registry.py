"""Where model packages are found, and how a name or path becomes a ``ModelPackage``.

Search order (first match wins for names): the packages shipped in the repository
(``resources/models/``), the folders in ``$SCICBIR_MODEL_PATH`` (``os.pathsep``-separated), and
the user's folder ``$XDG_DATA_HOME/scicbir/models`` (default ``~/.local/share/scicbir/models``).
A caller may add folders of its own to a listing (a client's folder of trained models); they are
searched after ``$SCICBIR_MODEL_PATH``, in the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from scicbir.errors import InputError
from scicbir.models.package import MANIFEST, ModelPackage

#: Name of the model used when none is given and several fit.
DEFAULT_PREFIX = "default"


def shipped_models_dir() -> Path:
    """``resources/models`` of the repository this engine runs from."""
    return Path(__file__).resolve().parents[3] / "resources" / "models"


def user_models_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scicbir" / "models"


def search_dirs(extra_dirs: Sequence[str | Path] = ()) -> list[Path]:
    dirs = [shipped_models_dir()]
    extra = os.environ.get("SCICBIR_MODEL_PATH", "")
    dirs += [Path(p).expanduser() for p in extra.split(os.pathsep) if p.strip()]
    dirs += [Path(p).expanduser() for p in extra_dirs if str(p).strip()]
    dirs.append(user_models_dir())
    return dirs


def _package_dirs(extra_dirs: Sequence[str | Path] = ()) -> list[Path]:
    found: list[Path] = []
    for base in search_dirs(extra_dirs):
        if (base / MANIFEST).is_file():
            found.append(base)
        elif base.is_dir():
            found += sorted(p for p in base.iterdir() if (p / MANIFEST).is_file())
    return found


def list_models(extra_dirs: Sequence[str | Path] = ()) -> list[ModelPackage]:
    """Every readable package in the search folders plus ``extra_dirs`` (broken ones are
    skipped, not fatal).

    Packages are read without building their networks (fast); ``build_network`` checks the
    weights when a model is used.
    """
    models = []
    seen: set[Path] = set()
    for path in _package_dirs(extra_dirs):
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            models.append(ModelPackage.load(path, check_weights=False))
        except InputError:
            continue
    return models


def resolve_model(
    name_or_path: str | None, num_bands: int | None = None, quality: int | None = None
) -> ModelPackage:
    """A package from a folder path, a model name, or (None) the default for ``num_bands``,
    at rate point ``quality`` (None: the package's default point).

    Raises ``InputError`` listing the available models when nothing fits.
    """
    return _resolve(name_or_path, num_bands).at_quality(quality)


def _resolve(name_or_path: str | None, num_bands: int | None) -> ModelPackage:
    if name_or_path:
        candidate = Path(name_or_path).expanduser()
        if candidate.is_dir():
            package = ModelPackage.load(candidate)
            _check_bands(package, num_bands)
            return package
    models = list_models()
    names = ", ".join(f"{m.model_id} ({m.config.num_bands} bands)" for m in models) or "none"
    if name_or_path:
        for package in models:
            if name_or_path in (package.model_id, package.path.name):
                _check_bands(package, num_bands)
                return ModelPackage.load(package.path)
        raise InputError(
            f"model '{name_or_path}' not found (no such folder or name); available: {names}. "
            "Give a package folder or put packages in $SCICBIR_MODEL_PATH"
        )
    fitting = [m for m in models if num_bands is None or m.config.num_bands == num_bands]
    if not fitting:
        raise InputError(
            f"no model for {num_bands} bands; available: {names}. "
            "Choose the bands to use or train a model for these bands",
            reason="no_model_for_bands",
            bands=num_bands,
        )
    fitting.sort(key=lambda m: (not m.model_id.startswith(DEFAULT_PREFIX), m.model_id))
    return ModelPackage.load(fitting[0].path)


def _check_bands(package: ModelPackage, num_bands: int | None) -> None:
    if num_bands is not None and package.config.num_bands != num_bands:
        raise InputError(
            f"model '{package.model_id}' takes {package.config.num_bands} bands "
            f"({', '.join(package.config.band_names)}) but the input has {num_bands}; "
            "select matching bands or choose another model"
        )
