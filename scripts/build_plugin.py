#!/usr/bin/env python3
"""Stage, zip or deploy the QGIS plugin.

The repository keeps ``scicbir_qgis/`` (code), ``resources/`` and ``i18n/`` side by side at the
top level; QGIS wants one folder holding all of them plus ``metadata.txt``. This script builds
that folder in ``build/plugin/scicbir_qgis`` and then:

    python3 scripts/build_plugin.py zip              -> dist/scicbir_qgis.zip (install it from
                                                        QGIS: Plugins > Install from ZIP)
    python3 scripts/build_plugin.py deploy [DIR]     -> copies the plugin into DIR (default: the
                                                        default QGIS 3 profile's python/plugins)

The staged folder also carries ``pb_tool.cfg``, so ``pb_tool deploy`` / ``pb_tool zip`` work from
inside ``build/plugin/scicbir_qgis`` for those who prefer pb_tool. Model packages are not put in
the zip: the engine (installed by scripts/setup.sh) ships and finds them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "scicbir_qgis"
RESOURCE_PARTS = ("icons", "styles", "help")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.ts", "*.pro")
PROTOCOL_SOURCE = Path("engine") / "scicbir" / "protocol_v1.py"


def stage(build_dir: Path = ROOT / "build" / "plugin") -> Path:
    target = build_dir / NAME
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / NAME, target, ignore=SKIP)
    # the protocol module is the engine's, byte for byte (tests/plugin/test_protocol.py)
    shutil.copy2(ROOT / PROTOCOL_SOURCE, target / "engine_client" / PROTOCOL_SOURCE.name)
    for part in RESOURCE_PARTS:
        source = ROOT / "resources" / part
        if source.is_dir():
            shutil.copytree(source, target / "resources" / part, ignore=SKIP)
    (target / "i18n").mkdir(exist_ok=True)
    for qm in sorted((ROOT / "i18n").glob("*.qm")):
        shutil.copy2(qm, target / "i18n" / qm.name)
    for name in ("metadata.txt", "pb_tool.cfg", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    return target


def make_zip(staged: Path, dist: Path = ROOT / "dist") -> Path:
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(staged.rglob("*")):
            if path.is_file():
                zf.write(path, Path(NAME) / path.relative_to(staged))
    return archive


def default_plugins_dir() -> Path:
    return Path.home() / ".local/share/QGIS/QGIS3/profiles/default/python/plugins"


def deploy(staged: Path, plugins_dir: Path) -> Path:
    plugins_dir.mkdir(parents=True, exist_ok=True)
    destination = plugins_dir / NAME
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(staged, destination)
    return destination


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("stage", help="only build build/plugin/scicbir_qgis")
    zip_parser = sub.add_parser("zip", help="build dist/scicbir_qgis.zip")
    zip_parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    deploy_parser = sub.add_parser("deploy", help="copy the plugin into a QGIS plugins folder")
    deploy_parser.add_argument("plugins_dir", nargs="?", type=Path, default=default_plugins_dir())
    args = parser.parse_args(argv)
    staged = stage()
    if args.action == "zip":
        print(make_zip(staged, args.dist))
    elif args.action == "deploy":
        print(deploy(staged, args.plugins_dir))
    else:
        print(staged)
    return 0


if __name__ == "__main__":
    sys.exit(main())
