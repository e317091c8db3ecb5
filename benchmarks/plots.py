"""PNG plots of the benchmark: rate-distortion curves and retrieval accuracy per code length."""

from __future__ import annotations

from pathlib import Path

from benchmarks.rate_distortion import RDPoint
from benchmarks.retrieval import RetrievalRow


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def rd_plot(
    path: Path,
    title: str,
    curves: dict[str, list[RDPoint]],
    lossless: dict[str, float],
) -> Path:
    """PSNR vs bpp and spectral angle vs bpp side by side; lossless sizes as vertical lines."""
    plt = _pyplot()
    fig, (ax_p, ax_s) = plt.subplots(1, 2, figsize=(10, 4))
    for label, points in curves.items():
        points = sorted(points, key=lambda p: p.bpp)
        marker = "o-" if len(points) > 1 else "*"
        size = 6 if len(points) > 1 else 14
        ax_p.plot([p.bpp for p in points], [p.psnr for p in points], marker, ms=size, label=label)
        ax_s.plot([p.bpp for p in points], [p.sa for p in points], marker, ms=size, label=label)
    for row, (name, bpp) in enumerate(lossless.items()):
        for ax in (ax_p, ax_s):
            ax.axvline(bpp, ls=":", color="grey")
            ax.text(
                bpp,
                0.03 + 0.07 * row,
                f"lossless {name} ",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                ha="right",
            )
    ax_p.set_ylabel("PSNR (dB)")
    ax_s.set_ylabel("spectral angle (rad)")
    for ax in (ax_p, ax_s):
        ax.set_xscale("log")
        ax.set_xlabel("bits per pixel (all bands)")
        ax.grid(True, which="both", alpha=0.3)
    ax_p.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def retrieval_plot(path: Path, title: str, rows: list[RetrievalRow]) -> Path:
    """mAP@20 against code length for every hashing method; references as horizontal lines."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    series: dict[str, list[RetrievalRow]] = {}
    for row in rows:
        label = row.method if row.features in ("-", "model") else f"{row.method} ({row.features})"
        series.setdefault(label, []).append(row)
    for i, (label, items) in enumerate(series.items()):
        colour = f"C{i % 10}"
        if items[0].bits is None:
            ax.axhline(items[0].map_at_20, ls="--", lw=1, color=colour, label=label)
            continue
        items = sorted(items, key=lambda r: r.bits)
        style = "*" if len(items) == 1 else "o-"
        ax.plot(
            [r.bits for r in items],
            [r.map_at_20 for r in items],
            style,
            ms=8,
            color=colour,
            label=label,
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks([16, 32, 64], ["16", "32", "64"])
    ax.set_xlabel("code length (bits)")
    ax.set_ylabel("mAP@20")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
