"""Compress on a Dask cluster: the archive equals a single-process run, tile by tile.

Real clusters only: ``local:2`` clusters started by compress itself, and a loopback
``LocalCluster`` started here and reached through its ``tcp://`` address, as a user's
scheduler is. A worker killed with SIGKILL mid-run has its batches rescheduled; a killed client
leaves no process behind and the next run resumes; cancelling drops the pending batches; an
unreachable scheduler is an ``InputError`` naming the address.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from scicbir.archive import Archive
from scicbir.archive.cluster import CONNECT_TIMEOUT_S, ClusterError, DaskBatchEncoder
from scicbir.archive.compress import CompressOptions, compress_folder
from scicbir.archive.requests import CompressRequest, run_compress
from scicbir.errors import CancelledError, InputError
from scicbir.params import ParamsError
from tests.archive.conftest import EXPECTED_TILES, committed_sources, crop

SCENES = 6  # distinct 192 x 192 crops, 9 tiles each
#: Seconds the processes of a killed client may take to end.
GONE_WITHIN_S = 10.0


# ---------------------------------------------------------------- helpers
#: Where a record lies in the packs: behind each source's metadata records, which hold the
#: time it was added, so two runs place the same stream a few bytes apart.
PLACEMENT = ("offset", "mask_offset")


def _content(folder: Path) -> dict:
    """Every tile as the archive holds it: the catalog row (id, code, logits, footprint,
    PSNR..., all but its place in the pack), its bitstream bytes and its decoded pixels."""
    with Archive.open(folder, read_only=True) as archive:
        return {
            (Path(t.source_path).name, t.col, t.row): (
                {k: v for k, v in dataclasses.asdict(t).items() if k not in PLACEMENT},
                archive.read_stream(t),
                archive.decode_tile(t).tobytes(),
            )
            for t in archive.tiles()
        }


def _differences(got: dict, want: dict) -> dict:
    """{tile: [what differs]} between two ``_content``s; empty when they are equal."""
    out: dict = {}
    for key in sorted(set(got) | set(want), key=str):
        if key not in got or key not in want:
            out[key] = ["missing"]
            continue
        (row, stream, pixels), (row0, stream0, pixels0) = got[key], want[key]
        fields = [f for f in row0 if row.get(f) != row0[f]]
        fields += ["stream"] * (stream != stream0) + ["pixels"] * (pixels != pixels0)
        if fields:
            out[key] = fields
    return out


def _descendants() -> set[int]:
    """This process's descendants, without multiprocessing's resource tracker (one per
    interpreter, started by the first spawned child, it ends with this process)."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.Error:
            pass
    return found


def _listening(pids: set[int]) -> set[tuple[str, int]]:
    """(address, port) of every socket that ``pids`` listen on."""
    found = set()
    for pid in pids:
        try:
            for conn in psutil.Process(pid).net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.add((conn.laddr.ip, conn.laddr.port))
        except psutil.Error:
            pass
    return found


@pytest.fixture(scope="module")
def onnx_model(tiny_rgb_model, tmp_path_factory):
    """The tiny RGB model with its ONNX exports, so that it is coded as the shipped models are
    (backend "auto" picks onnxruntime): streams, codes and logits then come out bit-identical
    in every process, whatever its thread count. (With the torch backend the streams, codes
    and pixels are identical too, but float32 logits differ in their last bits between torch
    thread counts, in the pool workers as on a cluster.)"""
    from scicbir.models import ModelPackage
    from scicbir.models.onnx_export import export_analysis

    target = tmp_path_factory.mktemp("onnx") / "rgb"
    shutil.copytree(tiny_rgb_model.path, target)
    export_analysis(ModelPackage.load(target))
    return ModelPackage.load(target)


@pytest.fixture(scope="module")
def samples_reference(sample_folder, onnx_model, tmp_path_factory) -> dict:
    """The samples compressed in this process (with PSNR): the archive a cluster must equal."""
    folder = tmp_path_factory.mktemp("reference") / "samples"
    summary = compress_folder(
        sample_folder, folder, str(onnx_model.path), options=CompressOptions(workers=1)
    )
    assert summary.ok
    return _content(folder)


@pytest.fixture(scope="module")
def scenes(data_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scenes") / "src"
    folder.mkdir()
    for k in range(SCENES):
        crop(data_dir / "landsat" / "landsat8_224078_crop.tif", folder / f"scene{k}.tif", 192, 192)
    return folder


#: Options of the runs on ``scenes``: small batches, so that many are in flight at a kill.
SCENE_OPTIONS = dict(batch_size=2, psnr=False)


@pytest.fixture(scope="module")
def scenes_reference(scenes, onnx_model, tmp_path_factory) -> dict:
    """``scenes`` compressed in this process, the archive every other run must equal."""
    folder = tmp_path_factory.mktemp("reference") / "archive"
    options = CompressOptions(workers=1, **SCENE_OPTIONS)
    summary = compress_folder(scenes, folder, str(onnx_model.path), options=options)
    assert summary.ok and summary.tiles == 9 * SCENES
    return _content(folder)


@pytest.fixture(scope="module")
def loopback_cluster():
    """(scheduler address, client) of a 2-worker ``LocalCluster`` on the loopback, standing in
    for a user's scheduler: compress reaches it by its ``tcp://`` address."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )
    client = Client(cluster, set_as_default=False)
    try:
        yield cluster.scheduler_address, client
    finally:
        client.close()
        cluster.close()


# ---------------------------------------------------------------- the address
def test_cluster_address_is_checked_where_it_is_given(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for good in ("local:2", "tcp://10.0.0.5:8786", "tls://scheduler.example:8786"):
        assert CompressRequest(str(src), str(tmp_path / "a"), cluster=good).cluster == good
        assert CompressRequest(str(src), str(tmp_path / "a"), cluster=good).options().cluster
    for bad in ("local:0", "local:x", "8786", "http://host:8786", "tcp://"):
        with pytest.raises(InputError, match="cluster must be") as caught:
            CompressRequest(str(src), str(tmp_path / "a"), cluster=bad)
        assert caught.value.data["field"] == "cluster"
        params = {"input": str(src), "archive": str(tmp_path / "a"), "cluster": bad}
        with pytest.raises(ParamsError) as caught:
            CompressRequest.from_params(params)
        assert caught.value.data == {"param": "cluster"}
    params = {"input": str(src), "archive": str(tmp_path / "a"), "cluster": 2}
    with pytest.raises(ParamsError) as caught:
        CompressRequest.from_params(params)
    assert caught.value.data == {"param": "cluster"}
    both = {"input": str(src), "archive": str(tmp_path / "a"), "cluster": "local:2", "workers": 2}
    with pytest.raises(ParamsError, match="not both") as caught:
        CompressRequest.from_params(both)
    assert caught.value.data == {"param": "cluster"}
    request = CompressRequest.from_params(both | {"workers": 0})
    assert request.cluster == "local:2" and request.options().cluster == "local:2"


def test_unreachable_scheduler_is_an_input_error_naming_it(sample_folder, tiny_rgb_model, tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    request = CompressRequest(
        str(sample_folder), str(tmp_path / "a"), str(tiny_rgb_model.path), cluster=address
    )
    started = time.monotonic()
    with pytest.raises(ClusterError) as caught:
        run_compress(request)
    assert time.monotonic() - started < CONNECT_TIMEOUT_S + 15
    assert isinstance(caught.value, InputError)
    assert address in str(caught.value) and "local:N" in str(caught.value)
    assert caught.value.data == {"reason": "cluster_unreachable", "cluster": address}


# ---------------------------------------------------------------- the archive
@pytest.mark.slow
def test_local_cluster_writes_the_single_process_archive(
    samples_reference, sample_folder, onnx_model, tmp_path
):
    before = _descendants()
    me = os.getpid()
    during: list[tuple[set[int], set[tuple[str, int]]]] = []

    def progress(done, total, message="", **figures):
        started = _descendants() - before
        during.append((started, _listening(started | {me})))

    folder = tmp_path / "cluster"
    summary = compress_folder(
        sample_folder,
        folder,
        str(onnx_model.path),
        options=CompressOptions(cluster="local:2"),
        progress=progress,
    )
    assert summary.ok and summary.tiles == sum(EXPECTED_TILES.values())
    assert not _differences(_content(folder), samples_reference)

    assert max(len(pids) for pids, _ in during) >= 2  # the two workers ran
    sockets = set().union(*(s for _, s in during))
    assert sockets and all(host == "127.0.0.1" for host, _ in sockets), sockets
    left = [p for p in _descendants() - before if not _gone(p)]  # close() waited for them
    assert not left, [_cmdline(psutil.Process(p)) for p in left]


@pytest.mark.slow
def test_killed_worker_is_rescheduled_and_the_archive_is_unchanged(
    scenes, scenes_reference, loopback_cluster, onnx_model, tmp_path
):
    address, client = loopback_cluster
    killed: list[int] = []

    def progress(done, total, message="", **figures):
        if not killed and done >= 3 * 9 + 2:  # mid-source, batches in flight on both workers
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    folder = tmp_path / "archive"
    options = CompressOptions(cluster=address, **SCENE_OPTIONS)
    summary = compress_folder(
        scenes, folder, str(onnx_model.path), options=options, progress=progress
    )
    assert killed and _gone(killed[0])  # the worker died mid-run
    assert summary.ok and summary.tiles == 9 * SCENES
    assert not _differences(_content(folder), scenes_reference)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.slow
def test_cancel_drops_the_pending_batches(loopback_cluster, tiny_rgb_model):
    from scicbir.progress import CancelToken

    address, client = loopback_cluster
    rng = np.random.default_rng(0)

    def batches():
        for k in range(40):
            tiles = rng.random((2, 3, 64, 64), dtype=np.float32)
            yield tiles, [None, None], [(64, 64), (64, 64)], k

    def encoder_tasks() -> int:
        def count(dask_scheduler):
            return sum("encode_on_worker" in str(key) for key in dask_scheduler.tasks)

        return client.run_on_scheduler(count)

    token = CancelToken()
    encoder = DaskBatchEncoder(tiny_rgb_model, address, with_psnr=False, cancel=token)
    try:
        results = encoder.map(batches())
        tag, first = next(results)
        assert tag == 0 and len(first) == 2
        assert encoder_tasks() >= 2  # more batches queued behind the first
        token.cancel()
        with pytest.raises(CancelledError):
            next(results)
        deadline = time.monotonic() + 10
        while encoder_tasks() and time.monotonic() < deadline:  # the encoder is still open
            time.sleep(0.1)
        assert encoder_tasks() == 0
    finally:
        encoder.close()


@pytest.mark.slow
def test_killed_client_leaves_no_process_and_the_next_run_resumes(
    scenes, scenes_reference, onnx_model, engine_env, tmp_path
):
    folder = tmp_path / "archive"
    command = [
        *(sys.executable, "-m", "scicbir", "compress", str(scenes), "--archive", str(folder)),
        *("--model", str(onnx_model.path), "--cluster", "local:2", "--batch-size", "2"),
        *("--no-psnr", "--quiet", "--json"),
    ]
    process = subprocess.Popen(
        command, env=engine_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        engine = psutil.Process(process.pid)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            children = engine.children(recursive=True)
            workers = [c for c in children if "spawn_main" in " ".join(_cmdline(c))]
            if len(workers) >= 2 and committed_sources(folder) >= 1:
                break
            assert process.poll() is None, "compress ended before it could be killed"
            time.sleep(0.1)
        else:
            pytest.fail("the cluster's workers did not start in time")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        _, alive = psutil.wait_procs(children, timeout=GONE_WITHIN_S)
        for left in alive:
            left.kill()
        assert not alive, [(p.pid, _cmdline(p)) for p in alive]
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()

    committed = committed_sources(folder)
    assert 1 <= committed < SCENES
    again = subprocess.run(command, env=engine_env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["unchanged"], summary["added"]) == (committed, SCENES - committed)
    assert not _differences(_content(folder), scenes_reference)


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []
