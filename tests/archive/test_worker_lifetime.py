"""Encoder worker processes end with the engine, however it ends.

Real processes only: ``scicbir compress --workers 2`` (and ``scicbir serve`` running a compress
job with two workers) is started, killed with SIGKILL or stopped with SIGTERM, and every process
it had started (the two workers and multiprocessing's resource tracker) must be gone within a
few seconds. Before, each killed engine left about 1 GB of workers behind for good.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.archive.conftest import committed_sources, crop

COPIES = 6
#: Seconds the engine's children may take to notice that it is gone.
GONE_WITHIN_S = 10.0


def _scenes(data_dir: Path, folder: Path) -> Path:
    folder.mkdir()
    for k in range(COPIES):  # distinct files, 9 tiles each
        crop(data_dir / "landsat" / "landsat8_224078_crop.tif", folder / f"scene{k}.tif", 192, 192)
    return folder


def _workers_running(pid: int, archive: Path, deadline: float) -> list[psutil.Process]:
    """The engine's descendants once both workers run and a source is committed (the workers
    have loaded the model and coded tiles)."""
    engine = psutil.Process(pid)
    while time.monotonic() < deadline:
        children = engine.children(recursive=True)
        workers = [c for c in children if "spawn_main" in " ".join(_cmdline(c))]
        if len(workers) >= 2 and committed_sources(archive) >= 1:
            return children
        assert engine.is_running() and engine.status() != psutil.STATUS_ZOMBIE, "engine ended"
        time.sleep(0.2)
    pytest.fail("the workers did not start in time")


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _assert_all_gone(children: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(children, timeout=GONE_WITHIN_S)
    for process in alive:  # do not leak them into the rest of the suite
        process.kill()
    assert not alive, [(p.pid, _cmdline(p)) for p in alive]


def _compress_command(src: Path, archive: Path, model: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "scicbir", "compress", str(src), "--archive", str(archive)),
        *("--model", str(model), "--workers", "2", "--batch-size", "2", "--quiet", "--json"),
    ]


@pytest.mark.slow
def test_sigkill_of_compress_ends_its_workers(data_dir, tiny_rgb_model, engine_env, tmp_path):
    src, archive = _scenes(data_dir, tmp_path / "src"), tmp_path / "archive"
    process = subprocess.Popen(
        _compress_command(src, archive, tiny_rgb_model.path),
        env=engine_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        children = _workers_running(process.pid, archive, time.monotonic() + 300)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        _assert_all_gone(children)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


@pytest.mark.slow
def test_sigterm_stops_compress_cleanly_like_ctrl_c(data_dir, tiny_rgb_model, engine_env, tmp_path):
    src, archive = _scenes(data_dir, tmp_path / "src"), tmp_path / "archive"
    command = _compress_command(src, archive, tiny_rgb_model.path)
    process = subprocess.Popen(
        command, env=engine_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        children = _workers_running(process.pid, archive, time.monotonic() + 300)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 128 + signal.SIGTERM, stderr
        assert "terminated" in stderr
        _assert_all_gone(children)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()

    from scicbir.archive import Archive

    with Archive.open(archive) as opened:  # whole sources only
        sources = opened.sources()
        assert sources and all(s["tiles"] == 9 for s in sources)
        assert len(list(opened.tiles())) == 9 * len(sources)
    again = subprocess.run(command, env=engine_env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["unchanged"], summary["added"]) == (len(sources), COPIES - len(sources))


def _serve_compress(src: Path, archive: Path, model: Path, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "scicbir", "serve"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    params = {"input": str(src), "archive": str(archive), "model": str(model)}
    params |= {"workers": 2, "batch_size": 2, "psnr": False}
    process.stdin.write(json.dumps({"id": 1, "method": "compress", "params": params}) + "\n")
    process.stdin.flush()
    return process


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_serve_killed_or_terminated_during_a_job_ends_its_workers(
    data_dir, tiny_rgb_model, engine_env, tmp_path, how
):
    src, archive = _scenes(data_dir, tmp_path / "src"), tmp_path / "archive"
    process = _serve_compress(src, archive, tiny_rgb_model.path, engine_env)
    try:
        children = _workers_running(process.pid, archive, time.monotonic() + 300)
        process.send_signal(getattr(signal, how))
        process.wait(timeout=120)
        if how == "SIGTERM":
            assert process.returncode == 128 + signal.SIGTERM
        _assert_all_gone(children)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
