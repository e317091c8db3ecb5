"""The ``scicbir`` command reports the versions it really runs with."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import scicbir


def run_cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scicbir", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_version_prints_package_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"scicbir {scicbir.__version__}"


def test_info_json_reports_installed_library_versions():
    result = run_cli("info", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["engine"] == scicbir.__version__
    assert info["torch"].split("+")[0] == metadata.version("torch").split("+")[0]
    assert info["compressai"] == metadata.version("compressai")
    assert info["faiss"] == metadata.version("faiss-cpu")
    assert info["rasterio"] == metadata.version("rasterio")
    assert info["onnxruntime"] == metadata.version("onnxruntime")
    assert info["device"] in {"cpu", "cuda"}
    assert isinstance(info["models"], list)


def test_console_script_is_installed():
    script = metadata.distribution("scicbir").entry_points.select(group="console_scripts")
    assert [ep.value for ep in script if ep.name == "scicbir"] == ["scicbir.cli:main"]


def test_unknown_command_fails_with_usage():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "usage" in result.stderr
