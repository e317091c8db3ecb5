"""The plugin's settings, stored with ``QgsSettings`` under ``scicbir/``.

Kept in one small class so that the options page, the panel and the Processing algorithms read
the same values with the same defaults (notably the engine interpreter, whose default depends on
where the plugin was installed from).

The engine setting (key ``engine_python``, kept for settings saved by earlier versions) is either
the path of a Python, which runs the local engine, or a command line that serves the protocol,
e.g. ``ssh gpu-box /opt/scicbir/.venv/bin/scicbir serve`` (``engine_client.command`` has the
rule). ``engine_path_map`` holds the pairs "folder here <-> folder on the engine's machine"
(docs/remote-engine.md).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import QgsApplication, QgsSettings

from ..engine_client.command import EngineCommand, parse_engine_setting
from ..engine_client.paths import PathMap
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
    """Values the user sets once: engine (Python or command) and its path mapping, default
    archive, folder of trained models, result count.

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
    #: (folder on this machine, the same folder on the engine's machine) pairs
    engine_path_map: list[tuple[str, str]] = field(default_factory=list)

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
            engine_path_map=_pairs(text("engine_path_map")),
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
        store.setValue(
            PREFIX + "engine_path_map", json.dumps([list(p) for p in self.engine_path_map])
        )

    def engine_command(self) -> EngineCommand:
        """The engine setting read by the rule (a Python path, or a command line); raises
        ``ValueError`` for an empty or unreadable one."""
        return parse_engine_setting(self.engine_python)

    @property
    def engine_is_command(self) -> bool:
        """True when the engine setting is a command line, not the path of a Python."""
        try:
            return not self.engine_command().is_python
        except ValueError:
            return False

    def path_map(self) -> PathMap:
        """The path mapping as the engine client uses it; raises ``ValueError`` naming a pair
        that is not two absolute folders."""
        return PathMap.from_pairs(self.engine_path_map)

    def engine_python_problem(self) -> str | None:
        """A readable reason why the interpreter (or the command's program) cannot be used, or
        None when it exists."""
        path = Path(self.engine_python).expanduser()
        if not self.engine_python.strip():
            return tr("no engine Python is set")
        try:
            command = self.engine_command()
        except ValueError as exc:
            return tr("the engine command cannot be read: {reason}").format(reason=exc)
        if not command.is_python:
            program = command.program
            if os.path.isabs(program) and not os.path.exists(program):
                return tr("the program {program} of the engine command does not exist").format(
                    program=program
                )
            if not os.path.isabs(program) and shutil.which(program) is None:
                return tr("the program '{program}' of the engine command is not on PATH").format(
                    program=program
                )
            return None
        if path.is_absolute() and not path.exists():
            return tr("the engine Python {path} does not exist").format(path=path)
        if not path.is_absolute() and shutil.which(self.engine_python) is None:
            return tr("the engine Python '{python}' is not on PATH").format(
                python=self.engine_python
            )
        return None


def _pairs(text: str) -> list[tuple[str, str]]:
    """The stored path mapping (a JSON list of pairs); anything unreadable counts as none."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [(str(p[0]), str(p[1])) for p in value if isinstance(p, (list, tuple)) and len(p) == 2]


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
