"""Training steps/s with one process and with torchrun on several (data parallel, gloo/CPU).

The same stage-1 run (MSE + rate, the default RGB recipe's network: N = M = 64, 64 px tiles,
global batch 16) on 64 px tiles cut from the committed RGB samples, once as one process with
``--threads`` threads and once under ``torchrun --nproc_per_node=P`` with one thread per rank;
steps/s from two runs of each kind, a short and a long one: (steps of the long - steps of the
short) / (wall time of the long - wall time of the short), so start-up cancels out (the
validation after each epoch stays in, as in real training). On a machine with few cores the processes share them, so the figure
says what data parallelism costs or gains there; on a GPU node it is the per-GPU scaling.

Run: ``.venv/bin/python benchmarks/bench_ddp.py [--steps 60] [--procs 2] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.training.conftest import cut_rgb_tiles, tiny_config  # noqa: E402


def _run(command: list[str], config: dict, folder: Path, threads: int) -> tuple[int, float]:
    """(steps, wall seconds) of one training run."""
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    t0 = time.perf_counter()
    done = subprocess.run([*command, "train", "--config", str(path)], capture_output=True,
                          text=True, env=env)  # fmt: skip
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    steps = (Path(config["output"]) / "metrics" / "steps.csv").read_text().splitlines()[1:]
    return len(steps), wall


def _rate(command, labels, tmp: Path, name: str, threads: int, epochs: int, overrides) -> dict:
    runs = []
    for n in (1, epochs):
        cfg = tiny_config(labels, tmp / f"{name}-{n}", threads=threads,
                          **{**overrides, "stage1": {**overrides["stage1"], "epochs": n}})  # fmt: skip
        runs.append(_run(command, cfg, tmp, threads))
    (s1, w1), (s2, w2) = runs
    return {"steps": s2, "wall_s": w2, "steps_per_s": (s2 - s1) / (w2 - w1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ddp-") as tmp:
        tmp = Path(tmp)
        labels = cut_rgb_tiles(tmp / "data")
        overrides = dict(
            stages=[1],
            batch_size=16,
            max_val_samples=16,
            model={"N": 64, "M": 64, "hash_bits": 64, "hash_hidden": 64, "tile_size": 64},
            stage1={"epochs": 1, "loss": "mse_rate", "lmbda": 0.013},
        )
        figures = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(), "runs": []}
        epochs = max(2, args.steps // 2)  # about 2 steps per epoch on this data at batch 16
        one = [sys.executable, "-m", "scicbir"]
        row = {"run": f"1 process, {args.threads} threads",
               **_rate(one, labels, tmp, "one", args.threads, epochs, overrides)}  # fmt: skip
        figures["runs"].append(row)
        print(json.dumps(row), flush=True)
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                    f"--nproc_per_node={args.procs}", "-m", "scicbir"]  # fmt: skip
        row = {"run": f"torchrun, {args.procs} processes x 1 thread",
               **_rate(torchrun, labels, tmp, "multi", 1, epochs, overrides)}  # fmt: skip
        figures["runs"].append(row)
        print(json.dumps(row), flush=True)
        figures["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
