"""Reporting of benchmark results: Markdown for ``docs/benchmarks.md``, JSON summaries.

Every table says plainly who wins: a verdict column or line states where SCI-CBIR loses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from benchmarks.rate_distortion import RDPoint
from benchmarks.retrieval import RetrievalRow


def fmt(value: object, digits: int = 3) -> str:
    """Numbers for tables: fixed significant digits, n/a for missing, inf spelled out."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "inf"
        return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def rd_table(points: list[RDPoint]) -> str:
    return table(
        ["method", "setting", "bpp", "PSNR (dB)", "SA (rad)", "encode tiles/s", "decode tiles/s"],
        (
            [p.method, p.setting, p.bpp, p.psnr, p.sa, p.encode_tiles_s, p.decode_tiles_s]
            for p in sorted(points, key=lambda p: (p.method, p.bpp))
        ),
    )


def bd_line(name: str, result: dict, target: float | None) -> str:
    """One sentence per quality measure: the figure, its kind, and who wins."""
    parts = []
    for key, label in (("psnr", "PSNR"), ("sa", "spectral angle")):
        value = result.get(key)
        kind = result.get(f"{key}_kind", "")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            parts.append(f"{label}: {kind}")
            continue
        verdict = (
            f"SCI-CBIR saves {-value:.1f} % of the bits"
            if value < 0
            else f"**SCI-CBIR loses: it needs {value:.1f} % more bits than JPEG 2000**"
        )
        goal = ""
        if target is not None and key == "psnr":
            goal = f" (target <= {target:.0f} %: {'met' if value <= target else '**missed**'})"
        parts.append(f"{label} {kind} {value:+.1f} %: {verdict}{goal}")
    return f"- {name}: " + "; ".join(parts)


def retrieval_table(rows: list[RetrievalRow]) -> str:
    return table(
        ["method", "input", "bits", "P@8", "R@8", "mAP@20"],
        (
            [
                r.method,
                r.features,
                r.bits if r.bits is not None else "exact",
                r.p_at_8,
                r.r_at_8,
                r.map_at_20,
            ]
            for r in rows
        ),
    )


def code_block(text: str) -> str:
    return "```text\n" + text.rstrip() + "\n```"


def print_summary(summary: dict, json_out: str | None = None) -> None:
    """Print a benchmark's JSON summary and, with ``json_out``, write it there too."""
    import json
    from pathlib import Path

    text = json.dumps(summary, indent=2)
    print(text)
    if json_out:
        Path(json_out).write_text(text + "\n")
