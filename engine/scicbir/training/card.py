"""The model card written into a trained package: data, recipe, and the figures measured.

A user choosing between packages needs to know what the model was trained on (sources, band
list, label list, split sizes), how (stages, epochs, learning rates, loss combiners), and how
well it does (validation figures of each stage, the stage-2 Pareto points, and the test-split
evaluation with real bitstreams when it was run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table(rows: list[dict[str, Any]], keys: list[str]) -> list[str]:
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(_fmt(r.get(k, "")) for k in keys) + " |")
    return out


def _stage1_line(cfg) -> str:
    s1 = cfg.stage1
    loss = (
        f"MSE + rate at lambda {s1.lmbda:g} (lambda * 255^2 * MSE + bpp)"
        if s1.loss == "mse_rate"
        else "1 - SSIM"
    )
    decay = f", LR / 10 for the last {s1.lr_decay_last:.0%}" if s1.lr_decay_last else ""
    return f"- stage 1: {s1.epochs} epochs, {loss}, LR by validation PSNR {s1.lr_by_psnr}{decay}"


def _stage2_line(cfg) -> str:
    s2 = cfg.stage2
    if s2.lambdas:
        return (
            f"- stage 2: {s2.epochs} epochs, the stage-1 codec fine-tuned to lambda "
            f"{', '.join(f'{v:g}' for v in s2.lambdas)} in turn (LR {s2.lr_start:g}): rate points"
        )
    return (
        f"- stage 2: {s2.epochs} epochs, MGDA(rate, distortion), LR "
        f"{s2.lr_start:g} raised by {s2.lr_step:g} per bpp plateau up to {s2.lr_max:g}"
    )


def _stage3_line(cfg) -> str:
    s3 = cfg.stage3
    where = (
        f"on cached latents ({s3.latent_variants} augmented versions per tile), codec fixed"
        if s3.uses_cached_latents()
        else f"jointly, LR compression {s3.lr_compression:g}"
    )
    losses = (
        "central similarity to class hash centres + quantisation"
        if s3.hash_loss == "central"
        else "pairwise + balance + classification"
    )
    decay = f", LR / 10 for the last {s3.lr_decay_last:.0%}" if s3.lr_decay_last else ""
    return (
        f"- stage 3: {s3.epochs} epochs, {where}, LR hashing {s3.lr_hashing:g}{decay}, "
        f"{cfg.model.hash_head} hash network, {losses} combined by {s3.hashing_combiner}, "
        + (
            f"{s3.num_samples_per_class} samples per class"
            if s3.num_samples_per_class
            else "shuffled batches"
        )
        + _hash_input(cfg.model)
    )


def _hash_input(model) -> str:
    """What the hash network reads, when it reads more than the latents (``hash_taps``)."""
    taps = list(model.hash_taps)
    if not taps:
        return ""
    layers = ("layers " if len(taps) > 1 else "layer ") + ", ".join(str(k) for k in taps)
    pooled = (
        "mean and standard deviation per latent cell"
        if model.hash_tap_pooling == "mean+std"
        else "average-pooled to the latent grid"
    )
    keys = f"`hash_taps: {taps}`" + (
        f", `hash_tap_pooling: {model.hash_tap_pooling}`"
        if model.hash_tap_pooling != "mean"
        else ""
    )
    return (
        f"; hash network input: the latents joined by the analysis transform's {layers} "
        f"features, {pooled} ({keys})"
    )


def training_budget(out: Path, global_step: int) -> list[str]:
    """Steps, wall time per stage (the epochs' own times, summed over every resumed session)
    and the machine: what it took to train this model."""
    import csv
    import os
    import platform

    seconds: dict[str, float] = {}
    path = out / "metrics" / "epochs.csv"
    if path.is_file():
        with path.open() as fh:
            for row in csv.DictReader(fh):
                try:
                    seconds[row["stage"]] = seconds.get(row["stage"], 0.0) + float(row["seconds"])
                except (KeyError, ValueError):
                    continue
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    total = sum(seconds.values())
    per_stage = ", ".join(f"stage {k} {v / 3600:.2f} h" for k, v in sorted(seconds.items()))
    import torch

    return [
        f"- {global_step} optimisation steps; wall time {total / 3600:.2f} h ({per_stage})",
        f"- machine: {cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch thread(s), "
        f"torch {torch.__version__}",
    ]


def model_card(cfg, model_config, cache, splits: np.ndarray, trainer, final: Path | None) -> str:
    """Markdown model card for the package written at the end of ``trainer``'s run."""
    counts = {name: int((splits == i).sum()) for i, name in enumerate(("train", "val", "test"))}
    lines = [
        f"# {cfg.name}",
        "",
        cfg.description or "SCI-CBIR model: learned compression and hash codes for retrieval.",
        "",
        "## Data",
        "",
        f"- sources: {', '.join(f'{s.format} `{Path(s.path).name}`' for s in cfg.data.sources)}",
        f"- bands ({len(model_config.bands)}): {', '.join(model_config.band_names)}",
        f"- labels ({len(model_config.labels)}): {', '.join(model_config.labels) or 'none'}",
        f"- samples: {counts['train']} train / {counts['val']} val / {counts['test']} test "
        f"(split by hash of the file name, {cfg.data.train_fraction:.0%}/"
        f"{cfg.data.val_fraction:.0%}/rest, unless the dataset prescribes one)",
        f"- tiles: {cfg.data.sample_size} px cached, {cfg.model.tile_size} px model tiles; "
        "normalisation (x - offset) / scale with offset "
        f"{cfg.data.normalisation_offset} and scale {cfg.data.normalisation_scale}",
        *(f"- {n}" for n in getattr(trainer, "notes", [])),
        "",
        "## Recipe",
        "",
        f"- network: N={model_config.N}, M={model_config.M}, K={model_config.K}, "
        f"{model_config.hash_bits}-bit Greedy Hash codes on the {model_config.hash_side} side",
        f"- stages run: {sorted(trainer.done_stages)}; batch {cfg.batch_size}, Adam, seed {cfg.seed}",
        _stage1_line(cfg),
        _stage2_line(cfg),
        _stage3_line(cfg),
        f"- weights from: `{final.name if final else 'last state'}`",
        f"- training crops: random {cfg.model.tile_size} px crops of the cached samples"
        + (", random flips and 90-degree rotations" if cfg.data.augment else ""),
        "",
        "## Training budget",
        "",
        *training_budget(Path(cfg.output), trainer.global_step),
        "",
        "## Validation figures (estimated rate, rounding quantisation)",
        "",
    ]
    for stage, figures in sorted(trainer.best.items()):
        shown = {k: v for k, v in figures.items() if isinstance(v, int | float)}
        lines.append(f"- best of {stage}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in shown.items()))
    if trainer.pareto:
        lines += ["", "Stage-2 Pareto points:", ""]
        keys = ["index", "epoch", "lr", "val_bpp", "val_psnr", "file"]
        if any("lmbda" in p for p in trainer.pareto):
            keys.insert(1, "lmbda")
        lines += _table(trainer.pareto, keys)
    lines.append("")
    return "\n".join(lines)


def _test_size(evaluation: dict[str, Any]) -> str:
    """How many tiles the test figures are over, and from how many images when the protocol
    cut the images into archive tiles."""
    samples, tiles = evaluation.get("test_samples"), evaluation.get("test_tiles")
    if tiles is not None and tiles != samples:
        return f"{samples} images cut into {tiles} archive tiles"
    return f"{samples} tiles"


def append_evaluation(card: str, evaluation: dict[str, Any]) -> str:
    """The card with the test-split evaluation (real bitstreams) added."""
    comp = evaluation.get("compression", {})
    ret = evaluation.get("retrieval", {})
    lines = [
        card.rstrip(),
        "",
        f"## Test split ({_test_size(evaluation)}, real bitstreams)",
        "",
        *(f"- {k}: {_fmt(v)}" for k, v in comp.items()),
        *(f"- {k}: {_fmt(v)}" for k, v in ret.items()),
        "",
        "```json",
        json.dumps(evaluation, indent=1, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


def self_supervised_card(
    base, archive: Path, tiles: int, variants: int, settings, trained, balance: float
) -> str:
    """The card of a package whose hashing part was adapted to an archive without labels."""
    import platform

    last = trained.curve[-1] if trained.curve else {}
    lines = [
        f"# {base.model_id}, hash codes adapted to archive {Path(archive).name}",
        "",
        f"Codec and rate points: `{base.model_id}` (sha256 {base.checksum[:12]}...), unchanged "
        "bit for bit: the archive's bitstreams decode with this package as with that one.",
        "",
        "Hashing part: trained afresh without labels on the archive's own tiles "
        "(scicbir.training.self_supervised: NT-Xent on the codes between two augmented "
        "versions of a tile or of two neighbouring tiles of one scene, CIBHash-style "
        "straight-through sign, bit balance and quantisation).",
        "",
        f"- archive: `{Path(archive).resolve()}`",
        f"- tiles: {tiles} whole tiles, {variants} versions each (version 0 as decoded; "
        "crops of 50-100 % resized back, flips, 90-degree rotations, +-5 % gain per band)",
        f"- steps: {trained.steps}, batch {settings.batch_size}, Adam {settings.lr:g} "
        f"(a tenth for the last 20 %), temperature {settings.temperature:g}, balance weight "
        f"{settings.balance_weight:g}, quantisation weight {settings.quantisation_weight:g}",
        f"- positives: for {100 * settings.neighbour_pairs:.0f} % of the tiles that have one, a "
        f"tile at most {settings.neighbour_radius} tile(s) away in the same raster; otherwise "
        "another version of the tile itself",
        f"- wall time: {trained.seconds:.0f} s on {platform.processor() or platform.machine()}",
        f"- code balance of the archive's tiles at the end: {balance:.3f} "
        "(0 = every bit splits the tiles in half)",
    ]
    if last:
        lines.append(
            f"- last logged step: contrastive loss {last['loss_contrastive']:.4g}, "
            f"two versions of a tile agree on {100 * last['view_agreement']:.1f} % of the bits"
        )
    lines += [
        "",
        "The class layer of the original model is kept but unused; codes carry no class meaning "
        "beyond what the archive's own tiles taught them.",
        "",
    ]
    return "\n".join(lines)
