"""What the hash network reads, compared on one codec: validation mAP@20 on archive tiles (each
validation image cut on the tile grid, tiles of the query's own image excluded), the protocol of
``scicbir eval`` with ``evaluation.protocol: archive-tiles``.

The codec is a fixed package. Its analysis transform runs once per training crop (random crops at
native resolution with flips and 90-degree rotations, ``scicbir.training.latent_cache``) and
emits every block a row may read, each pooled to the 4 x 4 latent grid: the latents ``y``, and
for the analysis layers of ``--taps`` (default 2, 5 and 7: 32 x 32, 16 x 16 and 8 x 8) their mean
``m<k>`` and standard deviation ``s<k>`` per latent cell (``scicbir.models.network.analyse`` with
``hash_tap_pooling="mean+std"``). Each row trains a fresh conv hash network with the central
similarity loss (``stage3_cached_step``, Adam 1e-3, a tenth for the last 30 %) on its subset of
the blocks, so every row sees exactly the same crops, and reports the validation curve.

Rows (``--rows``):

- ``A``: y, m7 (``hash_taps: [7]``, mean pooling);
- ``B``: y, m7, s7;
- ``C``: y, m7, s7, m5, s5;
- ``D``: y and the mean and spread of layers 2, 5 and 7 (``hash_taps: [2, 5, 7]``,
  ``hash_tap_pooling: mean+std``);
- ``E``: y and the means of layers 2, 5 and 7 (``hash_taps: [2, 5, 7]``, mean pooling);
- ``F``: y, m7 and the spreads of layers 7, 5 and 2;
- ``G``: every cached block (with ``--taps 1,2,3,4,5,6,7``: the mean and spread of every layer
  before the latents).

Only training and validation splits are read: the test split stays for ``scicbir eval``.

Run: ``.venv/bin/python benchmarks/bench_hash_inputs.py --model resources/models/scicbir-rgb-aid
--data engine/configs/retrain-hashing-rgb.yaml --rows A,D,E [--steps 4000] [--variants 8]
[--json OUT]`` (the configuration's data section must point at the dataset). On 2 cores: the
cache of 8 crops of 5,619 AID images takes ~6 minutes and 0.6 GB, a row ~25 minutes on one
thread; two processes with different ``--rows`` can share one ``--cache-dir``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "engine"))
sys.path.insert(0, str(REPO))

ROWS = {
    "A": ["y", "m7"],
    "B": ["y", "m7", "s7"],
    "C": ["y", "m7", "s7", "m5", "s5"],
    "D": ["y", "m7", "s7", "m5", "s5", "m2", "s2"],
    "E": ["y", "m7", "m5", "m2"],
    "F": ["y", "m7", "s7", "s5", "s2"],
    "G": "all",  # every cached block
}


def blocks_of(taps: tuple[int, ...]) -> list[str]:
    """The cached blocks, in cache order: y, then each tap's mean and spread, deepest first."""
    return ["y"] + [f"{kind}{k}" for k in sorted(taps, reverse=True) for kind in "ms"]


def _every_block(net, taps: tuple[int, ...]):
    """``net.analyse`` replaced by one that returns every block of ``blocks_of(taps)``."""
    import torch

    from scicbir.models.network import TAP_POOLING, pool_tap

    def analyse(x):
        h, out = x, {}
        for k, layer in enumerate(net.g_a, start=1):
            h = layer(h)
            if k in taps:
                out[f"m{k}"], out[f"s{k}"] = pool_tap(h, TAP_POOLING[k], with_std=True)
        out["y"] = h
        return h, torch.cat([out[b] for b in blocks_of(taps)], 1)

    return analyse


def _cache(args, net, cache, train_idx, val_idx, tile_size: int) -> None:
    import numpy as np

    from benchmarks.bench_hash_heads import _validation_latents
    from scicbir.training.latent_cache import build_latent_cache

    net.analyse = _every_block(net, args.taps)
    t0 = time.perf_counter()
    lat = build_latent_cache(net, cache, train_idx, tile_size, args.variants, 0, "cpu")
    np.save(args.cache_dir / "train.npy", lat.latents)
    np.save(args.cache_dir / "train_idx.npy", lat.index)
    val, owner = _validation_latents(net, cache, val_idx, tile_size)
    np.save(args.cache_dir / "val.npy", val.numpy().astype(np.float16))
    np.save(args.cache_dir / "val_owner.npy", owner)
    print(f"cached {lat.latents.shape} in {time.perf_counter() - t0:.0f} s", flush=True)


def _train_row(name: str, args, mc, cache) -> dict:
    import numpy as np
    import torch

    from scicbir.models.network import SciCbirNet
    from scicbir.training.losses import hash_centres
    from scicbir.training.retrieval import retrieval_metrics
    from scicbir.training.steps import stage3_cached_step

    train = np.load(args.cache_dir / "train.npy", mmap_mode="r")
    index = np.load(args.cache_dir / "train_idx.npy")
    val = torch.from_numpy(np.load(args.cache_dir / "val.npy").astype(np.float32))
    owner = np.load(args.cache_dir / "val_owner.npy")
    labels = torch.from_numpy(cache.labels[index].astype(np.float32))
    val_labels = cache.labels[owner]
    n, cached = mc.N, blocks_of(args.taps)
    blocks = cached if ROWS[name] == "all" else ROWS[name]
    missing = sorted(set(blocks) - set(cached))
    if missing:
        raise SystemExit(f"row {name} needs {missing}: add their layers to --taps")
    ch = np.concatenate([np.arange(n * cached.index(b), n * cached.index(b) + n) for b in blocks])
    torch.manual_seed(0)
    # a hash network for len(blocks) x N input channels: the taps only size its first layer
    extra = len(blocks) - 1
    pooling = "mean+std" if extra % 2 == 0 else "mean"
    config = dataclasses.replace(
        mc,
        hash_head="conv",
        hash_hidden=512,
        hash_taps=tuple(range(1, 1 + (extra // 2 if pooling == "mean+std" else extra))),
        hash_tap_pooling=pooling,
    )
    assert config.hash_input_channels == len(ch)
    net = SciCbirNet(config).train()
    params = net.hashing_parameters()
    opt = torch.optim.Adam(params, lr=1e-3)
    centres = hash_centres(config.hash_bits, config.num_classes)
    rng = np.random.default_rng(0)

    def evaluate() -> float:
        net.eval()
        with torch.no_grad():
            u = torch.cat(
                [net.hash_logits(val[i : i + 512][:, ch]) for i in range(0, len(val), 512)]
            ).numpy()
        net.train()
        r = retrieval_metrics(u, val_labels, u, val_labels, 8, (20,), groups=(owner, owner))
        return round(float(r["mAP@20"]), 4)

    curve, t0 = [], time.perf_counter()
    for step in range(args.steps):
        if step == int(0.7 * args.steps):
            for group in opt.param_groups:
                group["lr"] = 1e-4
        rows = np.sort(rng.integers(0, len(index), 128))
        x = train[rows, rng.integers(0, train.shape[1], 128)][:, ch].astype(np.float32)
        stage3_cached_step(
            net, opt, torch.from_numpy(x), labels[rows], params, "pcgrad", None, step, centres
        )
        if (step + 1) % 1000 == 0:
            curve.append((step + 1, evaluate()))
            print(name, curve[-1], round(time.perf_counter() - t0), flush=True)
    return {
        "row": name,
        "blocks": blocks,
        "channels": len(ch),
        "steps": args.steps,
        "val_mAP@20_curve": curve,
        "train_s": round(time.perf_counter() - t0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="package whose codec is used")
    parser.add_argument("--data", required=True, help="training configuration (data section)")
    parser.add_argument("--rows", default="A,D,E", help="comma-separated rows (see above)")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--variants", type=int, default=8)
    parser.add_argument(
        "--taps", default="2,5,7", help="analysis layers cached (mean and spread of each)"
    )
    parser.add_argument("--max-val", type=int, default=800, help="validation images used")
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/bench-hash-inputs"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.taps = tuple(sorted(int(k) for k in args.taps.split(",")))

    import torch

    from benchmarks.bench_hash_heads import training_and_validation
    from scicbir.models.package import ModelPackage

    torch.set_num_threads(1)
    package = ModelPackage.load(args.model)
    mc = package.config
    cache, train_idx, val_idx = training_and_validation(mc, args.data, args.max_val)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if not (args.cache_dir / "val_owner.npy").is_file():
        _cache(args, package.build_network("cpu"), cache, train_idx, val_idx, mc.tile_size)
    results = [_train_row(name, args, mc, cache) for name in args.rows.split(",")]
    print("| row | blocks | channels | val mAP@20 by steps | train s |")
    print("|---|---|---|---|---|")
    for r in results:
        curve = ", ".join(f"{s}: {m}" for s, m in r["val_mAP@20_curve"])
        print(
            f"| {r['row']} | {' '.join(r['blocks'])} | {r['channels']} | {curve} | {r['train_s']} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"model": mc.name, "rows": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
