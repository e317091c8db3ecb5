"""Where the plugin finds its files, in a repository checkout and in an installed plugin zip.

In the repository, ``resources/`` and ``i18n/`` sit beside the ``scicbir_qgis/`` package; the
packaged plugin carries copies inside the plugin folder. Both layouts are looked up here so that
no other module needs to know.
"""

from __future__ import annotations

from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent


def _first_existing(name: str) -> Path:
    for base in (PLUGIN_DIR, PLUGIN_DIR.parent):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    return PLUGIN_DIR / name


def resources_dir() -> Path:
    return _first_existing("resources")


def i18n_dir() -> Path:
    return _first_existing("i18n")


def icon_path(name: str = "scicbir.svg") -> str:
    return str(resources_dir() / "icons" / name)


def metadata_path() -> Path:
    for base in (PLUGIN_DIR, PLUGIN_DIR.parent):
        if (base / "metadata.txt").is_file():
            return base / "metadata.txt"
    return PLUGIN_DIR / "metadata.txt"
