"""Training speed per stage on this CPU: steps/s of each stage's step, before and after the
cached-latent stage 3, measured in one run on the same tiles and the same model.

Model: the default recipe's size (``--N``/``--M``, 3 bands, 64 px tiles, 64-bit codes, 30
classes, checkerboard context), randomly initialised (speed does not depend on the weights).
Tiles: 64 px crops of the committed real RGB rasters in ``tests/data/rgb`` with random labels.

Rows:

- stage 1, ``mse_rate`` (MSE + lambda * rate; one backward pass);
- stage 1, ``ssim`` (the paper's loss);
- stage 2, MGDA (two backward passes: distortion and rate gradients);
- stage 3 joint (the thesis's path, kept for GPU runs: codec forward, PCGrad over three
  hashing losses and MGDA over distortion and rate: five backward passes per step);
- stage 3 cached: the hash head alone on cached latents (``scicbir.training.latent_cache``),
  plus the one-off cost of caching the latents per tile.

Run: ``.venv/bin/python benchmarks/bench_training.py [--steps 20] [--threads 1] [--json OUT]``.
The machine block (CPU, cores, load before and after) is printed first: figures from a loaded
machine are lower bounds, and the ratio between rows is what carries over between machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "engine"))
sys.path.insert(0, str(REPO))


def _tiles(count: int):
    import numpy as np
    import rasterio

    out = []
    for raster in sorted((REPO / "tests" / "data" / "rgb").glob("*.tif")):
        with rasterio.open(raster) as src:
            data = src.read([1, 2, 3]).astype(np.float32) / 255.0
        for r in range(0, data.shape[1] - 64 + 1, 32):
            for c in range(0, data.shape[2] - 64 + 1, 32):
                out.append(data[:, r : r + 64, c : c + 64])
    arr = np.stack(out)
    return arr[np.arange(count) % len(arr)]


def _timed(step, steps: int) -> float:
    step()  # warm-up (allocations, oneDNN primitive caches)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--N", type=int, default=64)
    parser.add_argument("--M", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from benchmarks.machine import describe as machine_info
    from scicbir.models.config import RGB_BANDS, ModelConfig
    from scicbir.models.network import SciCbirNet
    from scicbir.training.latent_cache import analysis_latents
    from scicbir.training.steps import stage1_step, stage2_step, stage3_cached_step, stage3_step

    torch.set_num_threads(args.threads)
    machine = machine_info()
    print(json.dumps(machine, indent=2))
    labels = tuple(f"class{i}" for i in range(30))
    cfg = ModelConfig(
        name="bench",
        bands=RGB_BANDS,
        N=args.N,
        M=args.M,
        hash_bits=64,
        hash_hidden=256,
        labels=labels,
        context="checkerboard",
    )
    torch.manual_seed(0)
    net = SciCbirNet(cfg).train()
    comp, hashp = net.compression_parameters(), net.hashing_parameters()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(_tiles(args.batch))
    y = torch.from_numpy(np.eye(30, dtype=np.float32)[rng.integers(0, 30, args.batch)])
    opt = torch.optim.Adam(comp, lr=1e-5)
    opt3 = torch.optim.Adam([{"params": comp, "lr": 1e-7}, {"params": hashp, "lr": 1e-4}])
    opt_h = torch.optim.Adam(hashp, lr=1e-4)
    with torch.no_grad():
        t0 = time.perf_counter()
        latents = analysis_latents(net.eval(), x)
        cache_s_per_tile = (time.perf_counter() - t0) / len(x)
        net.train()
    rows = {
        "stage1_mse_rate": _timed(lambda: stage1_step(net, opt, x, "mse_rate", 0.013), args.steps),
        "stage1_ssim": _timed(lambda: stage1_step(net, opt, x), args.steps),
        "stage2_mgda": _timed(lambda: stage2_step(net, opt, x, comp), args.steps),
        "stage3_joint": _timed(
            lambda: stage3_step(net, opt3, x, y, comp, hashp, "pcgrad", None, 0),
            max(2, args.steps // 4),
        ),
        "stage3_cached": _timed(
            lambda: stage3_cached_step(net, opt_h, latents, y, hashp, "pcgrad", None, 0),
            args.steps * 5,
        ),
    }
    result = {
        "machine": machine,
        "threads": args.threads,
        "model": {"N": args.N, "M": args.M, "bands": 3, "tile": 64},
        "batch": args.batch,
        "steps_per_s": rows,
        "stage3_cached_speedup": rows["stage3_cached"] / rows["stage3_joint"],
        "latent_cache_s_per_tile": cache_s_per_tile,
        "machine_after": machine_info(),
    }
    print(f"threads {args.threads}, N=M={args.N}, batch {args.batch}")
    for name, value in rows.items():
        print(f"  {name:18s} {value:8.2f} steps/s")
    print(f"  stage 3 cached vs joint: {result['stage3_cached_speedup']:.0f}x faster per step")
    print(f"  caching latents: {1000 * cache_s_per_tile:.2f} ms per tile and variant (one-off)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
