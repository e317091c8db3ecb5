"""The plugin's engine client against the real engine process: start, calls, errors, death."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

import scicbir
from scicbir_qgis.engine_client import (
    EngineClient,
    EngineError,
    EngineStartError,
    clean_environment,
)


def test_hello_call_and_error_reply(engine_python, engine_env):
    client = EngineClient(engine_python, env={"OMP_NUM_THREADS": "1"})
    try:
        hello = client.start()
        assert hello["engine"] == scicbir.__version__
        assert client.alive and client.pid == hello["pid"]
        assert client.call("hello")["pid"] == hello["pid"]
        with pytest.raises(EngineError) as err:
            client.call("no.such.method")
        assert err.value.code == "method_not_found"
        assert "no.such.method" in err.value.message
        assert client.alive  # an error reply does not stop the engine
    finally:
        client.stop()
    assert not client.alive


def test_missing_interpreter_says_what_to_do(tmp_path):
    client = EngineClient(str(tmp_path / "no" / "python"))
    with pytest.raises(EngineStartError) as err:
        client.start()
    assert "scripts/setup.sh" in str(err.value) and "Engine Python" in str(err.value)


def test_interpreter_without_engine_package(tmp_path):
    # An isolated interpreter (-I ignores the venv's site-packages path hooks and user site) that
    # is asked to run a module it cannot find behaves like a Python without scicbir.
    client = EngineClient(sys.executable, args=("-I", "-m", "scicbir_not_installed", "serve"))
    with pytest.raises(EngineStartError) as err:
        client.start()
    assert "cannot import" in str(err.value) or "exited" in str(err.value)
    assert "scripts/setup.sh" in str(err.value)
    assert "No module named" in err.value.stderr_tail


def test_killed_engine_is_reported_and_restarted(engine_python):
    died: list[dict] = []
    client = EngineClient(
        engine_python, on_notification=lambda m, p: died.append(p) if m == "engine.died" else None
    )
    try:
        first = client.start()["pid"]
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while not died and time.monotonic() < deadline:
            time.sleep(0.05)
        assert died and died[0]["returncode"] == -signal.SIGKILL
        assert not client.alive
        second = client.call("hello")["pid"]  # the next call starts a fresh engine
        assert second != first and client.restarts == 1
    finally:
        client.stop()


def test_inherited_pythonpath_does_not_reach_the_engine(engine_python, tmp_path):
    # QGIS exports PYTHONPATH to its own packages; a shadowing package there must not be imported.
    shadow = tmp_path / "scicbir"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('shadow package from PYTHONPATH')\n")
    base = dict(os.environ, PYTHONPATH=str(tmp_path), GDAL_DATA=str(tmp_path / "nowhere"))
    client = EngineClient(engine_python, base_env=base)
    try:
        assert client.start()["engine"] == scicbir.__version__
    finally:
        client.stop()


def test_clean_environment_drops_qgis_variables():
    env = clean_environment(
        {
            "PATH": "/usr/bin",
            "PYTHONPATH": "/usr/share/qgis/python",
            "PYTHONHOME": "/opt/qgis",
            "GDAL_DATA": "/opt/qgis/gdal",
            "PROJ_LIB": "/opt/qgis/proj",
            "QGIS_PREFIX_PATH": "/opt/qgis",
            "QT_PLUGIN_PATH": "/opt/qgis/qtplugins",
            "HOME": "/home/u",
        },
        {"OMP_NUM_THREADS": "2"},
    )
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/home/u"
    assert env["OMP_NUM_THREADS"] == "2" and env["PYTHONUNBUFFERED"] == "1"
    for name in (
        "PYTHONPATH",
        "PYTHONHOME",
        "GDAL_DATA",
        "PROJ_LIB",
        "QGIS_PREFIX_PATH",
        "QT_PLUGIN_PATH",
    ):
        assert name not in env


def test_request_timeout_leaves_the_engine_usable(engine_python, tmp_path):
    import os
    import signal

    from scicbir_qgis.engine_client import EngineTimeoutError

    client = EngineClient(engine_python)
    try:
        client.start()
        # A stopped engine cannot answer in time, however fast the machine is.
        os.kill(client.pid, signal.SIGSTOP)
        try:
            with pytest.raises(EngineTimeoutError) as err:
                client.call("archive.info", {"archive": str(tmp_path)}, timeout=0.5)
        finally:
            os.kill(client.pid, signal.SIGCONT)
        assert err.value.code == "timeout" and "archive.info" in str(err.value)
        with pytest.raises(EngineError) as late:  # the late reply of the first call is dropped
            client.call("archive.info", {"archive": str(tmp_path)}, timeout=120)
        assert late.value.code == "invalid_input" and "not a scicbir archive" in late.value.message
        assert client.call("hello")["pid"] == client.pid and client.restarts == 0
    finally:
        client.stop()
