#!/usr/bin/env python3
"""Plots and tables of the training runs behind the shipped models, beside the thesis's figures.

Reads the metrics the trainer writes (``<run>/metrics/epochs.csv`` and ``steps.csv``) and the
model card of each finished package, and writes ``docs/reproduction.md`` with PNG plots in
``docs/reproduction/``:

    .venv/bin/python scripts/reproduction_report.py runs/default-rgb runs/default-sentinel2

The thesis figures (method.md section 5) are typed in as the reference they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STAGE_COLOURS = {1: "#1f77b4", 2: "#d62728", 3: "#2ca02c"}

THESIS = """\
| figure (BigEarthNet-S2 Serbia summer, 12 bands, thesis / TGRS 2022) | value |
|---|---|
| CNN codec, rate-distortion | 0.63 bpp at 48.7 dB, 0.79 bpp at 49.7 dB, 1.03 bpp at 50.5 dB |
| joint model, 64 bits | P@8 0.73, R@8 0.69 |
| joint model, 32 bits | P@8 0.72, R@8 0.70 |
| joint model, 16 bits | P@8 0.68, R@8 0.67 |
| hashing-only baseline, 64 bits | P@8 0.75, R@8 0.71 |
| decoder-side hashing (compressed domain), 64 bits | P@8 0.72, R@8 0.69 |
| training | stage 1 ~120 epochs, stage 2 to several Pareto points, stage 3 40 epochs, GPU |
"""


def read_rows(path: Path) -> list[dict[str, float]]:
    """Rows of a metrics CSV as floats (blank cells dropped); tolerant of columns added later."""
    if not path.is_file():
        return []
    rows = []
    with path.open(newline="") as handle:
        for raw in csv.DictReader(handle):
            row = {}
            for key, value in raw.items():
                if key is None or value in (None, ""):
                    continue
                try:
                    row[key] = float(value)
                except ValueError:
                    continue
            rows.append(row)
    return rows


def series(rows: list[dict[str, float]], key: str, stage: int | None = None):
    picked = [r for r in rows if key in r and (stage is None or int(r.get("stage", 0)) == stage)]
    return [r["global_step"] for r in picked], [r[key] for r in picked]


def plot_run(run: Path, out_dir: Path) -> list[str]:
    """Write the run's plots; return markdown image lines."""
    epochs = read_rows(run / "metrics" / "epochs.csv")
    steps = read_rows(run / "metrics" / "steps.csv")
    if not epochs:
        return [f"(no metrics found in `{run}`)"]
    name = run.name
    lines: list[str] = []
    if any(int(r.get("stage", 0)) in (1, 2) for r in epochs):
        lines += _plot_codec(name, epochs, steps, out_dir)
    lines += _plot_hashing(name, epochs, out_dir)
    return lines


def _plot_codec(name: str, epochs, steps, out_dir: Path) -> list[str]:
    """Stages 1-2 (a run that retrains only the hashing part has none to show)."""
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.6))
    for stage in (1, 2, 3):
        x, y = series(epochs, "val_psnr", stage)
        axes[0].plot(x, y, "o-", ms=3, color=STAGE_COLOURS[stage], label=f"stage {stage}")
        x, y = series(epochs, "val_bpp", stage)
        axes[1].plot(x, y, "o-", ms=3, color=STAGE_COLOURS[stage], label=f"stage {stage}")
    axes[0].set(title="validation PSNR (dB)", xlabel="step")
    axes[1].set(title="validation bpp (estimated)", xlabel="step")
    axes[0].legend(fontsize=8)
    x, w1 = series(steps, "mgda_w1")
    _, w2 = series(steps, "mgda_w2")
    axes[2].plot(x, w1, ".", ms=2, label="w1 (distortion)")
    axes[2].plot(x, w2, ".", ms=2, label="w2 (rate)")
    axes[2].set(title="MGDA weights per step", xlabel="step", ylim=(-0.05, 1.05))
    axes[2].legend(fontsize=8)
    stage2 = [r for r in epochs if int(r.get("stage", 0)) == 2]
    axes[3].plot(
        [r["val_bpp"] for r in stage2],
        [r["val_psnr"] for r in stage2],
        "o-",
        ms=3,
        color=STAGE_COLOURS[2],
        label="stage-2 epochs",
    )
    pareto = [r for r in stage2 if "pareto_point" in r]
    if pareto:
        axes[3].plot(
            [r["val_bpp"] for r in pareto],
            [r["val_psnr"] for r in pareto],
            "k*",
            ms=10,
            label="Pareto checkpoints",
        )
    axes[3].set(title="stage 2: PSNR vs bpp", xlabel="bpp", ylabel="dB")
    axes[3].legend(fontsize=8)
    fig.suptitle(name)
    fig.tight_layout()
    first = out_dir / f"{name}-compression.png"
    fig.savefig(first, dpi=90)
    plt.close(fig)
    return [f"![{name} compression stages](reproduction/{first.name})"]


def _plot_hashing(name: str, epochs, out_dir: Path) -> list[str]:
    """Stage 3: retrieval on validation, and the codec's figures when it trained jointly (with
    the codec fixed on cached latents there are none: mAP@k is shown instead)."""
    lines: list[str] = []
    stage3 = [r for r in epochs if int(r.get("stage", 0)) == 3]
    precision_keys = sorted({k for r in stage3 for k in r if k.startswith("val_precision")})
    recall_keys = sorted({k for r in stage3 for k in r if k.startswith("val_recall")})
    if stage3:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
        for key in precision_keys + recall_keys:
            axes[0].plot(
                [r["epoch"] for r in stage3 if key in r],
                [r[key] for r in stage3 if key in r],
                "o-",
                ms=3,
                label=key,
            )
        axes[0].set(title="stage 3: retrieval on validation", xlabel="epoch")
        axes[0].legend(fontsize=8)
        if not any("val_psnr" in r for r in stage3):
            for key in sorted({k for r in stage3 for k in r if k.startswith("val_mAP")}):
                axes[1].plot(
                    [r["epoch"] for r in stage3 if key in r],
                    [r[key] for r in stage3 if key in r],
                    "o-",
                    ms=3,
                    label=key,
                )
            axes[1].set(title="stage 3: mAP on validation (codec fixed)", xlabel="epoch")
            axes[1].legend(fontsize=8)
            return _save_hashing(fig, name, out_dir, lines)
        axes[1].plot(
            [r["epoch"] for r in stage3],
            [r.get("val_psnr", float("nan")) for r in stage3],
            "o-",
            ms=3,
            label="PSNR (dB)",
        )
        ax2 = axes[1].twinx()
        ax2.plot(
            [r["epoch"] for r in stage3],
            [r.get("val_bpp", float("nan")) for r in stage3],
            "s--",
            ms=3,
            color="#d62728",
            label="bpp",
        )
        axes[1].set(title="stage 3: compression stays put", xlabel="epoch")
        return _save_hashing(fig, name, out_dir, lines)
    return lines


def _save_hashing(fig, name: str, out_dir: Path, lines: list[str]) -> list[str]:
    fig.tight_layout()
    second = out_dir / f"{name}-hashing.png"
    fig.savefig(second, dpi=90)
    plt.close(fig)
    return [*lines, f"![{name} stage 3](reproduction/{second.name})"]


def run_table(run: Path) -> list[str]:
    epochs = read_rows(run / "metrics" / "epochs.csv")
    lines = [
        "| stage | epochs | steps | wall time (min) | last val PSNR | last val bpp | best val P@8 |",
        "|---|---|---|---|---|---|---|",
    ]
    for stage in (1, 2, 3):
        rows = [r for r in epochs if int(r.get("stage", 0)) == stage]
        if not rows:
            continue
        steps = int(rows[-1]["global_step"] - (rows[0]["global_step"] - 0))
        precision = [v for r in rows for k, v in r.items() if k.startswith("val_precision")]
        lines.append(
            f"| {stage} | {len(rows)} | ~{steps} | {sum(r.get('seconds', 0) for r in rows) / 60:.1f} | "
            f"{rows[-1].get('val_psnr', float('nan')):.2f} | {rows[-1].get('val_bpp', float('nan')):.3f} | "
            + (f"{max(precision):.3f}" if precision else "-")
            + " |"
        )
    return lines


def evaluation_of(run: Path) -> dict | None:
    for candidate in sorted(run.glob("*/evaluation.json")) + sorted(run.glob("evaluation*.json")):
        try:
            return json.loads(candidate.read_text())
        except (OSError, ValueError):
            continue
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reproduction.md")
    parser.add_argument("--notes", type=Path, help="markdown inserted after the tables")
    args = parser.parse_args(argv)
    plots = args.out.parent / "reproduction"
    plots.mkdir(parents=True, exist_ok=True)
    body = [
        "# Reproduction of the SCI-CBIR training stages",
        "",
        f"Made by `scripts/reproduction_report.py {' '.join(str(r) for r in args.runs)}` from the "
        "trainer's metrics logs.",
        "",
        "## Reference: the thesis",
        "",
        THESIS,
    ]
    for run in args.runs:
        body += [f"## Run `{run.name}`", ""] + run_table(run) + [""] + plot_run(run, plots) + [""]
        evaluation = evaluation_of(run)
        if evaluation:
            body += [
                "Test split, real bitstreams:",
                "",
                "```json",
                json.dumps(evaluation, indent=1, sort_keys=True),
                "```",
                "",
            ]
    if args.notes and args.notes.is_file():
        body += [args.notes.read_text()]
    args.out.write_text("\n".join(body) + "\n")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
