"""Short real training runs: stages, checkpoints, metrics, package, resume, cancel, kill -9."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from scicbir.errors import CancelledError, InputError
from scicbir.progress import CancelToken
from scicbir.training.checkpoint import load_checkpoint
from scicbir.training.config import config_from_dict
from scicbir.training.trainer import train
from tests.training.conftest import tiny_config

# two epochs per stage, two steps per epoch
# stage 3 jointly with the codec (the thesis path); the cached path: test_stage3_cached.py
RUN = {
    "stage1": {"epochs": 2},
    "stage2": {"epochs": 2},
    "stage3": {"epochs": 2, "cached_latents": False},
}


@pytest.fixture(scope="module")
def full_run(rgb_tiles, tmp_path_factory):
    """One uninterrupted three-stage run with progress events recorded."""
    out = tmp_path_factory.mktemp("full") / "run"
    events = []
    result = train(
        config_from_dict(tiny_config(rgb_tiles, out, tensorboard=True, **RUN)),
        progress=lambda d, t, m, **f: events.append((d, t, m, f)),
    )
    return result, events


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["model"]


def test_run_writes_checkpoints_metrics_and_a_package_that_round_trips(full_run, rgb_tiles):
    from scicbir.codec import TileCodec
    from scicbir.models.package import ModelPackage
    from scicbir.training.batches import load_batch
    from scicbir.training.cache import open_cache

    result, events = full_run
    assert result.stages_done == [1, 2, 3]
    ck = result.output / "checkpoints"
    for name in ("last.pt", "stage1_best.pt", "stage2_best.pt", "stage3_best.pt"):
        assert (ck / name).is_file()
    assert result.pareto and (ck / result.pareto[0]["file"]).is_file()
    assert {"val_bpp", "val_psnr"} <= set(result.pareto[0])

    with (result.output / "metrics" / "steps.csv").open() as fh:
        steps = list(csv.DictReader(fh))
    assert len(steps) == 12 and [int(r["global_step"]) for r in steps] == list(range(1, 13))
    for row in steps:
        if row["stage"] in ("2", "3"):
            w1, w2 = float(row["mgda_w1"]), float(row["mgda_w2"])
            assert 0 <= w1 <= 1 and w1 + w2 == pytest.approx(1.0, abs=1e-5)
        if row["stage"] == "3":
            assert 0 <= float(row["pcgrad_conflict_rate"]) <= 1
            assert float(row["lr_compression"]) == pytest.approx(1e-7)
    with (result.output / "metrics" / "epochs.csv").open() as fh:
        epochs = list(csv.DictReader(fh))
    assert [r["stage"] for r in epochs] == ["1", "1", "2", "2", "3", "3"]
    assert all(np.isfinite(float(r["val_psnr"])) for r in epochs)
    assert "val_precision@8" in epochs[-1]
    assert list((result.output / "metrics" / "tensorboard").glob("events.out.tfevents.*"))
    # progress events carry stage, epoch and losses, and count up to the total
    train_events = [e for e in events if "loss_distortion" in e[3]]
    assert train_events[-1][0] == train_events[-1][1] == 12
    assert {"stage", "epoch", "step"} <= set(train_events[0][3])

    package = ModelPackage.load(result.package)
    assert package.config.labels and package.config.hash_bits == 16
    assert "## Validation figures" in package.card and "Pareto" in package.card
    cfg = config_from_dict(tiny_config(rgb_tiles, result.output))
    cache = open_cache(next(Path(cfg.data.cache_dir).iterdir()))
    x, _ = load_batch(cache, np.array([0, 1]), 64)
    codec = TileCodec(package)
    encoded = codec.encode(x.numpy())
    decoded = codec.decode(encoded[0].stream)
    assert decoded.shape == (3, 64, 64) and np.isfinite(decoded).all()
    again = TileCodec(ModelPackage.load(result.package)).decode(encoded[0].stream)
    assert np.array_equal(decoded, again)
    assert encoded[0].code == codec.hash(x.numpy()[:1]).codes[0].tobytes()


def test_stage3_moves_the_compression_part_only_at_1e7_scale(full_run):
    result, _ = full_run
    ck = result.output / "checkpoints"
    before, after = _weights(ck / "stage2_best.pt"), _weights(ck / "stage3_best.pt")
    comp = [k for k in before if not k.startswith("hash_head.") and not k.endswith("quantiles")]
    comp = [k for k in comp if before[k].is_floating_point() and before[k].numel()]
    diffs = [float((after[k] - before[k]).abs().max()) for k in comp]
    # at most 4 Adam steps of lr 1e-7 (an Adam step moves a weight by about lr)
    assert 0 < max(diffs) < 4 * 1e-7 * 1.5
    hashing = [k for k in before if k.startswith("hash_head.") and before[k].is_floating_point()]
    assert max(float((after[k] - before[k]).abs().max()) for k in hashing) > 1e-5


@pytest.mark.slow
def test_resume_after_kill_9_gives_the_same_state(full_run, rgb_tiles, tmp_path):
    result, _ = full_run
    out = tmp_path / "killed"
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump(tiny_config(rgb_tiles, out, **RUN)))
    code = f"from scicbir.training import train; train({str(config)!r})"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
    epochs = out / "metrics" / "epochs.csv"
    deadline = time.monotonic() + 120
    while not epochs.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    state = load_checkpoint(out / "checkpoints" / "last.pt")
    assert state["done_stages"] != [1, 2, 3]  # really interrupted

    resumed = train(config)
    assert resumed.stages_done == [1, 2, 3]
    a = _weights(result.output / "checkpoints" / "last.pt")
    b = _weights(out / "checkpoints" / "last.pt")
    for key in a:
        assert torch.allclose(a[key].float(), b[key].float(), atol=1e-6), key
    with (out / "metrics" / "steps.csv").open() as fh:
        assert [int(r["global_step"]) for r in csv.DictReader(fh)] == list(range(1, 13))


def test_cancel_saves_mid_epoch_and_the_run_continues_identically(full_run, rgb_tiles, tmp_path):
    result, _ = full_run
    cfg = config_from_dict(tiny_config(rgb_tiles, tmp_path / "cancelled", **RUN))
    token = CancelToken()

    def cancel_at_step_7(done, total, message, **figures):
        if done == 7 and "loss_distortion" in figures:
            token.cancel()

    with pytest.raises(CancelledError, match="run the same command again"):
        train(cfg, progress=cancel_at_step_7, cancel=token)
    state = load_checkpoint(tmp_path / "cancelled" / "checkpoints" / "last.pt")
    assert (state["stage"], state["epoch"], state["step"], state["global_step"]) == (2, 1, 1, 7)
    train(cfg)
    a = _weights(result.output / "checkpoints" / "last.pt")
    b = _weights(tmp_path / "cancelled" / "checkpoints" / "last.pt")
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-6) for k in a)


def test_stage_alone_from_a_checkpoint_and_bad_configs(full_run, rgb_tiles, tmp_path):
    result, _ = full_run
    start = result.output / "checkpoints" / "stage2_best.pt"
    cfg = tiny_config(
        rgb_tiles,
        tmp_path / "only3",
        stages=[3],
        init_from=str(start),
        stage3={"epochs": 1, "hashing_combiner": "dwa"},
    )
    only3 = train(config_from_dict(cfg))
    assert only3.stages_done == [3]
    with (tmp_path / "only3" / "metrics" / "steps.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert all(float(r["dwa_w_pairwise"]) > 0 for r in rows)
    with pytest.raises(InputError, match="unknown keys"):
        config_from_dict({**cfg, "stage4": {}})
    with pytest.raises(InputError, match="hashing_combiner"):
        config_from_dict({**cfg, "stage3": {"hashing_combiner": "sum"}})


def test_stage1_fine_tune_starts_from_a_finished_package(full_run, rgb_tiles, tmp_path):
    """A package's entropy tables have other sizes than a fresh network's: fine-tuning a
    shipped model to another rate must still start from all of its weights."""
    from safetensors.torch import load_file

    result, _ = full_run
    cfg = tiny_config(
        rgb_tiles,
        tmp_path / "finetune",
        stages=[1],
        init_from=str(result.package),
        stage1={"epochs": 1, "loss": "mse_rate", "lmbda": 0.05},
    )
    tuned = train(config_from_dict(cfg))
    assert tuned.stages_done == [1]
    start = load_file(str(result.package / "weights.safetensors"))
    state = load_checkpoint(tmp_path / "finetune" / "checkpoints" / "last.pt")["model"]
    key = "latent_codec.entropy_bottleneck._quantized_cdf"
    assert start[key].numel() > 0 and state[key].shape == start[key].shape


@pytest.mark.slow
def test_eval_command_reports_real_bitstream_and_retrieval_figures(full_run, rgb_tiles, tmp_path):
    import json

    result, _ = full_run
    config = tmp_path / "data.yaml"
    config.write_text(yaml.safe_dump(tiny_config(rgb_tiles, result.output)))
    scicbir = [sys.executable, "-m", "scicbir"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(
        [*scicbir, "eval", "--model", str(result.package), "--data", str(config), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout)
    comp = figures["compression"]
    assert figures["test_samples"] > 0 and comp["bpp"] > 0
    assert np.isfinite(comp["psnr"]) and 0 <= comp["sa"] <= np.pi / 2
    ret = figures["retrieval"]
    assert 0 <= ret["precision@8"] <= 1 and 0 <= ret["recall@8"] <= 1 and 0 <= ret["mAP@8"] <= 1

    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {sources: [{format: class-folder, path: /nowhere}]}\n")
    failed = subprocess.run(
        [*scicbir, "train", "--config", str(bad), "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert failed.returncode == 1
    assert "/nowhere" in failed.stderr and "Traceback" not in failed.stderr


def test_rerunning_a_later_stage_keeps_the_earlier_stages_logs(full_run, rgb_tiles, tmp_path):
    import shutil

    result, _ = full_run
    out = tmp_path / "rerun"
    shutil.copytree(result.output, out)
    for name in ("last.pt", "stage3_best.pt"):
        (out / "checkpoints" / name).unlink()

    def rows(stage_filter):
        with (out / "metrics" / "steps.csv").open() as fh:
            return [r for r in csv.DictReader(fh) if stage_filter(int(float(r["stage"])))]

    before = [(r["global_step"], r["stage"]) for r in rows(lambda s: s < 3)]
    last_before = max(int(float(step)) for step, _ in before)
    again = train(config_from_dict(tiny_config(rgb_tiles, out, stages=[3], stage3={"epochs": 1})))
    assert again.stages_done == [3]
    assert [(r["global_step"], r["stage"]) for r in rows(lambda s: s < 3)] == before
    stage3 = [int(float(r["global_step"])) for r in rows(lambda s: s == 3)]
    assert stage3 and min(stage3) == last_before + 1
