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
        f"- stage 1: {cfg.stage1.epochs} epochs, 1 - SSIM, LR by validation PSNR "
        f"{cfg.stage1.lr_by_psnr}",
        f"- stage 2: {cfg.stage2.epochs} epochs, MGDA(rate, distortion), LR "
        f"{cfg.stage2.lr_start:g} raised by {cfg.stage2.lr_step:g} per bpp plateau up to "
        f"{cfg.stage2.lr_max:g}",
        f"- stage 3: {cfg.stage3.epochs} epochs, LR hashing {cfg.stage3.lr_hashing:g} / "
        f"compression {cfg.stage3.lr_compression:g}, hashing losses by "
        f"{cfg.stage3.hashing_combiner}, {cfg.stage3.num_samples_per_class} samples per class, "
        f"flips {cfg.stage3.flips}",
        f"- weights from: `{final.name if final else 'last state'}`",
        "",
        "## Validation figures (estimated rate, rounding quantisation)",
        "",
    ]
    for stage, figures in sorted(trainer.best.items()):
        shown = {k: v for k, v in figures.items() if isinstance(v, int | float)}
        lines.append(f"- best of {stage}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in shown.items()))
    if trainer.pareto:
        lines += ["", "Stage-2 Pareto points:", ""]
        lines += _table(trainer.pareto, ["index", "epoch", "lr", "val_bpp", "val_psnr", "file"])
    lines.append("")
    return "\n".join(lines)


def append_evaluation(card: str, evaluation: dict[str, Any]) -> str:
    """The card with the test-split evaluation (real bitstreams) added."""
    comp = evaluation.get("compression", {})
    ret = evaluation.get("retrieval", {})
    lines = [
        card.rstrip(),
        "",
        f"## Test split ({evaluation.get('test_samples')} tiles, real bitstreams)",
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
