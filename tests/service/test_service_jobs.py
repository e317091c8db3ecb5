"""The real engine process driven through the plugin's client: compress jobs with progress,
queries answered while a job runs, cancel then resume, and a SIGKILL mid-job then resume.

Archives are built from crops of the committed RGB samples (real georeferenced imagery) with a
tiny random model, so each job takes seconds; every crop is its own source file because the
archive commits per source, which is the granularity a resumed job continues from.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from scicbir_qgis.engine_client import EngineClient, EngineDiedError, EngineError

# (sample, row, col, height, width): 4 + 6 + 4 tiles of 64x64.
CROPS = {
    "a_neon.tif": ("rgb/neon_OSBS_029.tif", 0, 0, 128, 128),
    "b_neon.tif": ("rgb/neon_OSBS_029.tif", 192, 0, 128, 192),
    "c_rmnp.tif": ("rgb/rmnp-rgb.tif", 64, 64, 128, 128),
}
TOTAL_TILES = 4 + 6 + 4


def write_crops(data_dir: Path, folder: Path) -> Path:
    import rasterio
    from rasterio.windows import Window

    folder.mkdir(parents=True, exist_ok=True)
    for name, (sample, row, col, height, width) in CROPS.items():
        with rasterio.open(data_dir / sample) as src:
            window = Window(col, row, width, height)
            profile = src.profile | {
                "width": width,
                "height": height,
                "transform": src.window_transform(window),
                "tiled": False,
            }
            profile.pop("blockxsize", None)
            profile.pop("blockysize", None)
            with rasterio.open(folder / name, "w", **profile) as dst:
                dst.write(src.read(window=window))
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, data_dir):
    from scicbir.models.testing import make_random_package

    root = tmp_path_factory.mktemp("service")
    make_random_package(root / "models" / "tiny", bands=3, tile_size=64, N=16, M=16, hash_bits=32)
    write_crops(data_dir, root / "src")
    return root


class Recorder:
    """Collects notifications per job, with the time each arrived."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str, dict]] = []
        self.lock = threading.Condition()

    def __call__(self, method: str, params: dict) -> None:
        with self.lock:
            self.events.append((time.monotonic(), method, params))
            self.lock.notify_all()

    def progress(self, job: str) -> list[dict]:
        return [p for _, m, p in self.events if m == "progress" and p.get("job") == job]

    def wait_for(self, predicate, timeout: float = 120.0) -> None:
        with self.lock:
            assert self.lock.wait_for(predicate, timeout), "no such notification in time"


@pytest.fixture(scope="module")
def engine(engine_python, workspace):
    recorder = Recorder()
    env = {"OMP_NUM_THREADS": "1", "SCICBIR_MODEL_PATH": str(workspace / "models")}
    client = EngineClient(engine_python, env, on_notification=recorder)
    client.recorder = recorder  # type: ignore[attr-defined]
    hello = client.start()
    for method in ("compress", "search", "archive.info"):
        if not hello["methods"].get(method):
            client.stop()
            pytest.skip(f"'{method}' is not part of this engine build")
    yield client
    client.stop()


def compress_params(workspace: Path, archive: str) -> dict:
    return {
        "input": str(workspace / "src"),
        "archive": str(workspace / archive),
        "model": str(workspace / "models" / "tiny"),
        "batch_size": 2,
        "psnr": False,
    }


def tiles_in(engine: EngineClient, folder: Path) -> int:
    return engine.call("archive.info", {"archive": str(folder)}, timeout=120)["tiles"]


def second_source_started(recorder: Recorder, job: str):
    return lambda: any(p["message"] == "b_neon.tif" for p in recorder.progress(job))


@pytest.fixture(scope="module")
def full_archive(engine, workspace) -> dict:
    job = engine.start_job("compress", compress_params(workspace, "full"))
    return {"job": job, "result": engine.wait_job(job, timeout=300)}


def test_compress_job_reports_progress_and_result(engine, workspace, full_archive):
    result = full_archive["result"]
    assert result["ok"] and result["tiles"] == TOTAL_TILES and result["added"] == 3
    events = engine.recorder.progress(full_archive["job"])
    dones = [e["done"] for e in events]
    assert dones == sorted(dones) and dones[-1] == events[-1]["total"] == TOTAL_TILES
    assert {"a_neon.tif", "b_neon.tif", "c_rmnp.tif"} <= {e["message"] for e in events}
    assert tiles_in(engine, workspace / "full") == TOTAL_TILES
    listed = {j["job"]: j for j in engine.jobs()}
    assert listed[full_archive["job"]]["state"] == "done"


def test_models_decode_search_outputs_and_index_rebuild(engine, workspace, full_archive, tmp_path):
    import rasterio

    models = {m["path"]: m for m in engine.call("models", timeout=120)["models"]}
    tiny = models[str(workspace / "models" / "tiny")]
    assert tiny["bands"] == ["red", "green", "blue"] and tiny["hash_bits"] == 32
    info = engine.call("info", timeout=120)
    assert str(workspace / "models" / "tiny") in [m["path"] for m in info["models"]]

    archive = full_archive["result"]["archive"]
    files = engine.call(
        "decode", {"archive": archive, "tiles": [1, 2], "out_dir": str(tmp_path / "tiles")}
    )["files"]
    assert [f["tile_id"] for f in files] == [1, 2]
    with rasterio.open(files[0]["path"]) as tile:
        assert tile.count == 3 and tile.dtypes[0] == "uint8" and tile.crs is not None
    whole = engine.call(
        "decode",
        {"archive": archive, "source": str(workspace / "src" / "b_neon.tif"),
         "out": str(tmp_path / "b.tif")},
    )["path"]  # fmt: skip
    with rasterio.open(whole) as out, rasterio.open(workspace / "src" / "b_neon.tif") as src:
        assert (out.width, out.height, out.crs, out.transform) == (
            src.width, src.height, src.crs, src.transform,
        )  # fmt: skip
    with pytest.raises(EngineError) as err:
        engine.call("decode", {"archive": archive, "tiles": [9999], "out_dir": str(tmp_path)})
    assert err.value.code == "invalid_input" and "9999" in err.value.message

    answer = engine.call(
        "search",
        {"archive": archive, "tile": 3, "k": 4, "exclude_self": False,
         "out": str(tmp_path / "hits.gpkg"), "decode": str(tmp_path / "hits")},
    )  # fmt: skip
    assert [r["rank"] for r in answer["results"]] == [1, 2, 3, 4]
    assert all(Path(r["path"]).is_file() for r in answer["results"])
    assert Path(answer["out"]).is_file()

    rebuilt = engine.wait_job(engine.start_job("index.rebuild", {"archive": archive}), 120)
    assert rebuilt["tiles"] == TOTAL_TILES


def test_search_is_answered_while_a_compress_job_runs_then_cancel_and_resume(
    engine, workspace, full_archive
):
    full = str(workspace / "full")
    first = engine.call("search", {"archive": full, "tile": 1, "k": 3, "exclude_self": False})
    assert first["results"][0]["tile_id"] == 1 and first["results"][0]["distance"] == 0

    recorder: Recorder = engine.recorder
    job = engine.start_job("compress", compress_params(workspace, "resumed"))
    recorder.wait_for(second_source_started(recorder, job))
    answer = engine.call(
        "search",
        {"archive": full, "raster": str(workspace / "src" / "a_neon.tif"), "k": 5,
         "exclude_self": False},
    )  # fmt: skip
    assert not engine.job(job).finished.is_set(), "the search waited for the job"
    assert answer["results"][0]["distance"] == 0 and len(answer["results"]) == 5

    assert engine.cancel(job)["cancel_requested"]
    with pytest.raises(EngineError) as err:
        engine.wait_job(job, timeout=120)
    assert err.value.cancelled
    partial = tiles_in(engine, workspace / "resumed")
    assert 4 <= partial < TOTAL_TILES  # the first source was committed, the rest was not

    again = engine.start_job("compress", compress_params(workspace, "resumed"))
    result = engine.wait_job(again, timeout=300)
    assert result["unchanged"] >= 1 and result["ok"]
    assert tiles_in(engine, workspace / "resumed") == TOTAL_TILES


def test_engine_killed_mid_job_is_reported_and_a_new_engine_resumes(
    engine, workspace, full_archive
):
    recorder: Recorder = engine.recorder
    job = engine.start_job("compress", compress_params(workspace, "killed"))
    recorder.wait_for(second_source_started(recorder, job))
    pid = engine.pid
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(EngineDiedError) as err:
        engine.wait_job(job, timeout=60)
    assert err.value.returncode == -signal.SIGKILL
    assert engine.job(job).state == "lost"
    recorder.wait_for(lambda: any(m == "engine.died" for _, m, _ in recorder.events), 10)

    # The next call starts a fresh engine; the archive holds what was committed before the kill.
    partial = tiles_in(engine, workspace / "killed")
    assert engine.pid != pid and engine.restarts >= 1
    assert 4 <= partial < TOTAL_TILES
    again = engine.start_job("compress", compress_params(workspace, "killed"))
    result = engine.wait_job(again, timeout=300)
    assert result["ok"] and result["unchanged"] >= 1
    killed = engine.call("archive.info", {"archive": str(workspace / "killed")})
    full = engine.call("archive.info", {"archive": full_archive["result"]["archive"]})
    assert killed["tiles"] == full["tiles"] == TOTAL_TILES
    assert killed["stream_bytes"] == full["stream_bytes"]  # same tiles, same bitstreams


def test_second_compress_into_a_busy_archive_is_refused(engine, workspace):
    params = compress_params(workspace, "busy")
    job = engine.start_job("compress", params)
    try:
        with pytest.raises(EngineError) as err:
            engine.start_job("compress", params)
        assert err.value.code == "busy" and job in err.value.message
    finally:
        engine.cancel(job)
        with pytest.raises(EngineError):
            engine.wait_job(job, timeout=120)


def test_searcher_is_loaded_once_and_follows_new_tiles(workspace, full_archive, tmp_path):
    """In process: repeated queries reuse the loaded searcher; tiles added later are found."""
    import io
    import json
    import shutil

    from scicbir.progress import CancelToken, no_progress
    from scicbir.service.protocol import MessageWriter
    from scicbir.service.server import Service

    archive = tmp_path / "growing"
    shutil.copytree(full_archive["result"]["archive"], archive)
    out = io.StringIO()
    service = Service(MessageWriter(out))
    try:
        request = {"archive": str(archive), "tile": 1, "k": 100, "exclude_self": False}
        service._answer(service.methods["search"], _request(1, "search", request))
        service._answer(service.methods["search"], _request(2, "search", request))
        assert service.loaded.loads == 1
        extra = tmp_path / "extra"
        write_crops_subset(workspace / "src", extra, "c_rmnp.tif", "d_rmnp.tif")
        plan = service.methods["compress"].handler(
            service,
            {**compress_params(workspace, "x"), "input": str(extra), "archive": str(archive)},
        )
        assert plan.run(no_progress, CancelToken())["tiles"] == 4
        service._answer(service.methods["search"], _request(3, "search", request))
    finally:
        service.close()
    replies = {m["id"]: m for m in map(json.loads, out.getvalue().splitlines()) if "id" in m}
    assert len(replies[1]["result"]["results"]) == TOTAL_TILES
    assert len(replies[3]["result"]["results"]) == TOTAL_TILES + 4
    assert service.loaded.loads == 1  # same searcher, index reloaded by generation


def _request(request_id: int, method: str, params: dict):
    from scicbir.service.protocol import Request

    return Request(request_id, method, params)


def write_crops_subset(src: Path, folder: Path, name: str, new_name: str) -> None:
    """A copy of one crop under a new name: new source, same pixels."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / name, folder / new_name)


@pytest.mark.slow
def test_train_job_cancel_resume_then_eval(engine, repo_root, tmp_path):
    if not engine.hello["methods"].get("train"):
        pytest.skip("'train' is not part of this engine build")
    recorder: Recorder = engine.recorder
    config = str(repo_root / "engine" / "configs" / "tiny-test.yaml")
    params = {"config": config, "output": str(tmp_path / "run"), "stages": [1], "epochs": 2}
    job = engine.start_job("train", params)
    recorder.wait_for(
        lambda: any(p["figures"].get("stage") == 1 for p in recorder.progress(job)), 300
    )
    engine.cancel(job)
    with pytest.raises(EngineError) as err:
        engine.wait_job(job, timeout=300)
    assert err.value.cancelled and "saved" in err.value.message
    steps = [p["figures"] for p in recorder.progress(job) if p["figures"].get("stage") == 1]
    assert any({"epoch", "step"} <= set(f) for f in steps)

    again = engine.start_job("train", params)
    result = engine.wait_job(again, timeout=600)
    assert result["stages_done"] == [1]
    assert Path(result["model"], "config.json").is_file() or Path(result["model"]).is_dir()
    figures = engine.wait_job(
        engine.start_job("eval", {"model": result["model"], "data": config, "max_samples": 8}),
        timeout=300,
    )
    assert figures["compression"]["bpp"] > 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
