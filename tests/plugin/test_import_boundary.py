"""The plugin stays importable in any QGIS: only qgis, the standard library and its own code."""

from __future__ import annotations

import ast
import sys


def test_plugin_imports_nothing_but_qgis_and_the_standard_library(repo_root):
    allowed = set(sys.stdlib_module_names) | {"qgis", "__future__", "scicbir_qgis"}
    offending = []
    for path in sorted((repo_root / "scicbir_qgis").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] not in allowed:
                    offending.append(f"{path.relative_to(repo_root)}: {name}")
    assert offending == [], "the plugin must talk to the engine, not import its libraries"


def test_the_plugins_raster_rules_are_the_engines():
    """The Archive tab checks a folder's rasters before sending it to the engine (which runs in
    its own process, so the plugin cannot import it): both must see the same files as rasters
    and the same Sentinel-2 band files, or the warning would name files the engine takes."""
    from scicbir.rasters import discover
    from scicbir_qgis.core import sources

    assert set(sources.RASTER_EXTENSIONS) == set(discover.RASTER_EXTENSIONS)
    assert sources._BAND_FILE.pattern == discover._BAND_FILE.pattern
    assert sources._BAND_FILE.flags == discover._BAND_FILE.flags


def test_layers_below_the_widgets_never_import_them(repo_root):
    """core/, tasks/ and processing_provider/ work without the dock's widgets (Processing runs
    headless in qgis_process): none of them imports from ui/."""
    offending = []
    for part in ("core", "tasks", "processing_provider"):
        for path in sorted((repo_root / "scicbir_qgis" / part).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ui":
                    offending.append(f"{path.relative_to(repo_root)}: {node.module}")
    assert offending == []


def test_the_plugins_catalog_name_is_the_engines():
    from scicbir.archive.store import CATALOG
    from scicbir_qgis.core import compress_summary

    assert compress_summary.CATALOG == CATALOG
