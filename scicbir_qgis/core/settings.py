"""The plugin's settings, stored with ``QgsSettings`` under ``scicbir/``.

Kept in one small class so that the options page, the panel and the Processing algorithms read
the same values with the same defaults (notably the engine interpreter, whose default depends on
where the plugin was installed from).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsApplication, QgsSettings

from ..paths import PLUGIN_DIR
from .i18n import tr

PREFIX = "scicbir/"
DEFAULT_K = 10
ENV_PYTHON = "SCICBIR_ENGINE_PYTHON"


def default_engine_python() -> str:
    """The interpreter the set-up script made, looked for relative to the plugin.

    In a repository checkout that is ``<repo>/.venv/bin/python``; ``$SCICBIR_ENGINE_PYTHON``
    overrides it (useful for a deployed plugin); otherwise a ``python3`` on PATH is offered,
    which the "Check engine" button then tests.
    """
    env = os.environ.get(ENV_PYTHON)
    if env:
        return env
    for base in (PLUGIN_DIR.parent, PLUGIN_DIR):
        for rel in (".venv/bin/python", ".venv/Scripts/python.exe"):
            candidate = base / rel
            if candidate.exists():
                return str(candidate)
    return shutil.which("python3") or "python3"


def default_models_folder() -> str:
    """Where trained model packages go unless the user chose a folder: ``scicbir/models`` in
    the QGIS profile, so they travel with the profile like the other plugin data."""
    return str(Path(QgsApplication.qgisSettingsDirPath()) / "scicbir" / "models")


@dataclass
class PluginSettings:
    """Values the user sets once: engine interpreter, default archive, folder of trained models,
    result count.

    There is deliberately no stored "default model": a model pinned in the settings was used
    for every later compression, whatever the rasters' bands. The model follows the bands unless
    the user picks one in the Archive tab for that compression.
    """

    engine_python: str = ""
    archive: str = ""
    models_folder: str = ""
    k: int = DEFAULT_K
    keep_previous_results: bool = False
    last_source_folder: str = ""
    results_folder: str = ""

    @classmethod
    def load(cls) -> PluginSettings:
        store = QgsSettings()

        def text(key: str, default: str = "") -> str:
            value = store.value(PREFIX + key, default)
            return str(value) if value is not None else default

        try:
            k = int(store.value(PREFIX + "k", DEFAULT_K))
        except (TypeError, ValueError):
            k = DEFAULT_K
        keep = str(store.value(PREFIX + "keep_previous_results", "false")).lower() == "true"
        return cls(
            engine_python=text("engine_python") or default_engine_python(),
            archive=text("archive"),
            models_folder=text("models_folder") or default_models_folder(),
            k=max(1, k),
            keep_previous_results=keep,
            last_source_folder=text("last_source_folder"),
            results_folder=text("results_folder"),
        )

    def save(self) -> None:
        store = QgsSettings()
        store.setValue(PREFIX + "engine_python", self.engine_python)
        store.setValue(PREFIX + "archive", self.archive)
        store.setValue(PREFIX + "models_folder", self.models_folder)
        store.setValue(PREFIX + "k", int(self.k))
        store.setValue(PREFIX + "keep_previous_results", bool(self.keep_previous_results))
        store.setValue(PREFIX + "last_source_folder", self.last_source_folder)
        store.setValue(PREFIX + "results_folder", self.results_folder)

    def engine_python_problem(self) -> str | None:
        """A readable reason why the interpreter cannot be used, or None when it exists."""
        path = Path(self.engine_python).expanduser()
        if not self.engine_python:
            return tr("no engine Python is set")
        if path.is_absolute() and not path.exists():
            return tr("the engine Python {path} does not exist").format(path=path)
        if not path.is_absolute() and shutil.which(self.engine_python) is None:
            return tr("the engine Python '{python}' is not on PATH").format(
                python=self.engine_python
            )
        return None


#: Exit code of ``engine_probe_arguments`` when the interpreter runs but has no scicbir package.
PROBE_NO_PACKAGE = 3


def engine_probe_arguments() -> list[str]:
    """Arguments for the engine Python that exit 0 only when the scicbir package is importable.

    Finding the package spec imports nothing heavy, so the check takes as long as the
    interpreter's start: the panel runs it when it opens, to warn before the first action.
    """
    return [
        "-c",
        "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('scicbir') else "
        f"{PROBE_NO_PACKAGE})",
    ]
