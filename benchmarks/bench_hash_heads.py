"""Hash networks and hashing losses compared on one codec's cached latents: validation mAP@20 on
archive tiles (each validation image cut on the tile grid, tiles of the query's own image
excluded), the protocol of ``scicbir eval`` with ``evaluation.protocol: archive-tiles``.

The codec is fixed (a shipped package), so every row sees exactly the same latents: the
training tiles' latents are cached once per augmentation variant (random crops at native
resolution with flips and 90-degree rotations, ``scicbir.training.latent_cache``), and each row
trains a fresh hash head on them with the engine's own step (``stage3_cached_step``: Adam,
PCGrad over the row's sub-losses). Rows:

- ``attention`` + ``thesis``: the thesis's network (Table 3.1) and losses (soft pairwise, bit
  balance, classification from the codes; eqs. 3.6-3.9);
- ``conv`` + ``thesis``: the conv network with the thesis's losses;
- ``attention`` + ``central`` and ``conv`` + ``central``: central similarity to class hash
  centres (Yuan et al., CVPR 2020).

Only training and validation splits are read: the test split stays for ``scicbir eval``.

Run: ``.venv/bin/python benchmarks/bench_hash_heads.py --model resources/models/scicbir-rgb-aid
--data engine/configs/default-rgb.yaml [--steps 3000] [--variants 8] [--json OUT]``
(the configuration's data section must point at the dataset; ~3-6 minutes per row on one core).
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

ROWS = [
    ("attention", "thesis", 1e-4),
    ("conv", "thesis", 1e-3),
    ("attention", "central", 1e-3),
    ("conv", "central", 1e-3),
]


def training_and_validation(model_config, data_config: Path, max_val: int):
    """The tile cache of a configuration's data (the model's normalisation), its training rows
    and up to ``max_val`` validation rows spread over the split; the test split is never read."""
    import numpy as np

    from scicbir.training.cache import build_or_open
    from scicbir.training.config import load_config
    from scicbir.training.datasets import open_sources
    from scicbir.training.evaluate import _spread
    from scicbir.training.splits import SPLIT_CODE, assign_splits

    cfg = load_config(data_config)
    cache_root = Path(cfg.data.cache_dir) if cfg.data.cache_dir else Path(cfg.output) / "cache"
    cache = build_or_open(
        open_sources(cfg.data),
        cache_root,
        cfg.data.sample_size,
        list(model_config.normalisation_offset),
        list(model_config.normalisation_scale),
    )
    keys = [k.split(":", 1)[-1] for k in cache.keys]
    splits = assign_splits(
        keys, cache.prescribed, cfg.data.train_fraction, cfg.data.val_fraction, cfg.data.split_salt
    )
    train_idx = np.flatnonzero(splits == SPLIT_CODE["train"])
    val_idx = _spread(np.flatnonzero(splits == SPLIT_CODE["val"]), max_val)
    return cache, train_idx, val_idx


def _validation_latents(net, cache, index, tile_size: int):
    """Latents of the validation images cut on the tile grid, and each tile's image."""
    import numpy as np
    import torch

    from scicbir.training.evaluate import _grid_tiles
    from scicbir.training.latent_cache import analysis_latents

    tiles, owner = _grid_tiles(cache, index, tile_size)
    with torch.no_grad():
        lat = [
            analysis_latents(net, torch.from_numpy(tiles[i : i + 128]))
            for i in range(0, len(tiles), 128)
        ]
    return torch.cat(lat), np.asarray(owner)


def _train_row(
    base_config, labels_names, latents, labels, val, head: str, loss: str, lr: float, steps: int
):
    import dataclasses

    import numpy as np
    import torch

    from scicbir.models.network import SciCbirNet
    from scicbir.training.losses import hash_centres
    from scicbir.training.retrieval import retrieval_metrics
    from scicbir.training.steps import stage3_cached_step

    torch.manual_seed(0)
    hidden = 512 if head == "conv" else 256
    config = dataclasses.replace(
        base_config, hash_head=head, hash_hidden=hidden, labels=tuple(labels_names)
    )
    net = SciCbirNet(config).train()
    params = net.hashing_parameters()
    opt = torch.optim.Adam(params, lr=lr)
    centres = hash_centres(config.hash_bits, config.num_classes) if loss == "central" else None
    rng = np.random.default_rng(0)
    y = torch.from_numpy(labels.astype(np.float32))
    t0 = time.perf_counter()
    for step in range(steps):
        if step == int(0.7 * steps):
            for group in opt.param_groups:
                group["lr"] = lr * 0.1
        rows = rng.integers(0, latents.index.size, 128)
        x = torch.from_numpy(
            latents.latents[rows, rng.integers(0, latents.variants, 128)].astype(np.float32)
        )
        stage3_cached_step(net, opt, x, y[rows], params, "pcgrad", None, step, centres)
    seconds = time.perf_counter() - t0
    net.eval()
    val_latents, owner, val_labels = val
    with torch.no_grad():
        u = torch.cat(
            [net.hash_logits(val_latents[i : i + 512]) for i in range(0, len(val_latents), 512)]
        ).numpy()
    r = retrieval_metrics(u, val_labels, u, val_labels, 8, (20,), groups=(owner, owner))
    return {
        "hash_head": head,
        "hash_loss": loss,
        "lr": lr,
        "steps": steps,
        "train_s": round(seconds, 1),
        "val_mAP@20": round(float(r["mAP@20"]), 4),
        "val_precision@8": round(float(r["precision@8"]), 4),
        "bit_balance": round(float(np.abs((u >= 0).mean(axis=0) - 0.5).mean()), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="package whose codec is used")
    parser.add_argument("--data", required=True, help="training configuration (data section)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--variants", type=int, default=8)
    parser.add_argument("--max-val", type=int, default=800, help="validation images used")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    from benchmarks.machine import describe as machine_info
    from scicbir.models.package import ModelPackage
    from scicbir.training.latent_cache import build_latent_cache

    torch.set_num_threads(args.threads)
    machine = machine_info()
    print(json.dumps(machine, indent=2))
    package = ModelPackage.load(args.model)
    mc = package.config
    net = package.build_network("cpu")
    cache, train_idx, val_idx = training_and_validation(mc, args.data, args.max_val)
    t0 = time.perf_counter()
    latents = build_latent_cache(net, cache, train_idx, mc.tile_size, args.variants, 0, "cpu")
    seconds = time.perf_counter() - t0
    print(f"cached {latents.latents.shape[0]} x {args.variants} latents in {seconds:.0f} s")
    val_latents, owner = _validation_latents(net, cache, val_idx, mc.tile_size)
    val = (val_latents, owner, cache.labels[owner])
    labels = cache.labels[np.sort(train_idx)]
    results = []
    print("| hash network | loss | LR | steps | train s | val mAP@20 | val P@8 | bit balance |")
    print("|---|---|---|---|---|---|---|---|")
    for head, loss, lr in ROWS:
        r = _train_row(mc, cache.label_names, latents, labels, val, head, loss, lr, args.steps)
        results.append(r)
        print(
            f"| {head} | {loss} | {lr:g} | {r['steps']} | {r['train_s']} | {r['val_mAP@20']} "
            f"| {r['val_precision@8']} | {r['bit_balance']} |",
            flush=True,
        )
    if args.json:
        report = {"model": mc.name, "machine": machine, "rows": results}
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
