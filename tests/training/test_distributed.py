"""Training on several processes: ``torchrun --nproc_per_node=2 -m scicbir train`` (gloo on the
CPU) follows the same loss curve as one process at the same global batch, and writes one run."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from tests.training.conftest import tiny_config

pytestmark = pytest.mark.timeout(600)


def _curve(run) -> tuple[np.ndarray, np.ndarray]:
    with (run / "metrics" / "steps.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    return (
        np.array([float(r["loss_rd"]) for r in rows]),
        np.array([float(r["loss_mse"]) for r in rows]),
    )


def _train(command: list[str], config: dict, path, env) -> subprocess.CompletedProcess:
    """Run a training; on a hang its whole process group (torchrun and its ranks) is ended."""
    import os
    import signal

    path.write_text(json.dumps(config))
    process = subprocess.Popen(
        [*command, "train", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"training did not finish within 300 s: {err[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_two_processes_follow_the_loss_curve_of_one_at_the_same_global_batch(
    rgb_tiles, tmp_path, engine_env
):
    overrides = dict(
        stages=[1],
        batch_size=8,
        max_steps_per_epoch=12,
        stage1={"epochs": 2, "loss": "mse_rate", "lmbda": 0.01},
    )
    env = {**engine_env, "OMP_NUM_THREADS": "1"}
    single = tmp_path / "single"
    one = _train(
        [sys.executable, "-m", "scicbir"],
        tiny_config(rgb_tiles, single, **overrides),
        tmp_path / "one.json",
        env,
    )
    assert one.returncode == 0, one.stderr[-3000:]
    double = tmp_path / "double"
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    two = _train(
        [*torchrun, "-m", "scicbir"],
        tiny_config(rgb_tiles, double, **overrides),
        tmp_path / "two.json",
        env,
    )
    assert two.returncode == 0, two.stderr[-3000:]

    rd1, mse1 = _curve(single)
    rd2, mse2 = _curve(double)
    assert len(rd1) == len(rd2) >= 8  # one row per global step, written once (rank 0)
    # same start, same samples and crops: the curves agree step by step, up to the uniform
    # quantisation noise each process draws for itself
    assert abs(mse2[0] - mse1[0]) <= 0.02 * mse1[0]
    assert np.median(np.abs(rd2 - rd1) / rd1) < 0.05
    assert rd2[-3:].mean() < rd2[:3].mean()  # and it trains
    # one package, from rank 0, with the validation figures of the same epochs
    assert (double / "tiny-rgb" / "package.json").is_file()
    with (single / "metrics" / "epochs.csv").open() as a, (double / "metrics" / "epochs.csv").open() as b:  # fmt: skip
        e1, e2 = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert len(e1) == len(e2) == 2
    assert abs(float(e2[-1]["val_psnr"]) - float(e1[-1]["val_psnr"])) < 0.5
