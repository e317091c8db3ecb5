"""One command for every benchmark: writes docs/benchmarks.md and its plots.

    .venv/bin/python benchmarks/run_all.py [--model PKG ...] [--data DIR] [--allow-untrained]

Runs, in one process pinned to 2 threads (torch, OpenMP and GDAL/OpenJPEG):

1. rate-distortion of the codec against JPEG 2000 (OpenJPEG) and lossless GeoTIFF on held-out
   real tiles: 12 bands (EuroSAT MS test split, BigEarthNet patches; PSNR peak 10000) for
   12-band models, RGB (AID test images cut into tiles at their own resolution, Landsat 8
   crops) for 3-band models; BD-rate, bits saved at equal PSNR, spectral angle at equal bpp;
2. retrieval of the model's codes against random codes, KLSH, KSH, exact cosine ranking and a
   hand-crafted histogram on AID and EuroSAT MS, by default on archive tiles: every test tile
   queries all the others, the tiles of its own image left out, for every method alike
   (``--retrieval-protocol split``: the thesis's validation-queries-test protocol);
3. the engine's own scripts ``bench_codec.py``, ``bench_archive.py``, ``bench_search.py``
   (a missing one is reported as missing, never replaced by invented figures).

The "Against the targets" table judges every figure against the project's targets (``TARGETS``
below): a missed target is printed as missed with its figure.

Models: ``--model`` package folders, default the shipped ``resources/models``. Every rate point
of a package (``ModelPackage.rate_points``, stage 2's Pareto points) is a point of its band
count's RD curve, so one package gives a BD-rate; packages without rate points are one point
each (then give several, or ``--pareto`` checkpoint folders, to draw a curve).
A randomly initialised model measures code paths, not the method: the report is refused for
such models unless ``--allow-untrained`` is given, and then every table says "untrained model".
Data: ``--data`` (default ``../shared/data`` next to the repository). Sets are subsampled to keep
the whole run under 30 minutes on 2 cores; the report states the sample sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
THREADS = 2
BENCH_SCRIPTS = (
    ("bench_codec.py", "Codec throughput (bench_codec.py)"),
    ("bench_archive.py", "Archive throughput (bench_archive.py)"),
    ("bench_search.py", "Search scaling (bench_search.py)"),
    ("bench_feedback.py", "Relevance feedback (bench_feedback.py)"),
)
#: Options through which the engine's scripts take a model package, by band count.
#: (bench_codec.py is left on its own random models: its 120x120 tiles do not fit 64 px models,
#: and a random network codes at the speed of a trained one of the same size.)
SCRIPT_MODEL_OPTIONS = {
    "bench_archive.py": {"--model": 3},
    "bench_search.py": {"--model": 3},
    "bench_feedback.py": {"--model": 3},
}
#: Lighter settings than the scripts' own defaults so that all of run_all fits in 30 minutes on
#: 2 cores (each script alone, run by hand, measures more); passed only where the script has them.
SCRIPT_ARGS = {
    "bench_codec.py": ["--tiles", "32", "--batch-sizes", "1", "16"],
    "bench_archive.py": ["--size", "2048"],
    "bench_search.py": ["--batches", "1", "16"],
}


@dataclass(frozen=True)
class Target:
    """One of the project's targets: ``goal`` must be reached (else the target is missed),
    ``aim`` is where the method should get to; ``higher``: larger figures are better."""

    goal: float
    aim: float | None = None
    higher: bool = True
    unit: str = ""

    def reached(self, value: float, bar: float) -> bool:
        return value >= bar if self.higher else value <= bar

    def text(self) -> str:
        sign = ">=" if self.higher else "<="
        out = f"{sign} {self.goal:.3g}{self.unit}"
        return out + (f" (aim {sign} {self.aim:.3g}{self.unit})" if self.aim is not None else "")

    def verdict(self, value: float | None, why_missed: str = "", why_not: str = "") -> str:
        """met / met, aim not reached / **missed** / **not measured**, with the reason."""
        if value is None or not math.isfinite(value):
            return "**not measured**" + (f": {why_not}" if why_not else "")
        if not self.reached(value, self.goal):
            return "**missed**" + (f" ({why_missed})" if why_missed else "")
        if self.aim is not None and not self.reached(value, self.aim):
            return "met (aim not reached)"
        return "met"


#: The project's targets, judged in the report's "Against the targets" table.
TARGETS = {
    # BD-rate (PSNR) of the RGB curve against JPEG 2000 on AID test tiles and Landsat 8 crops (%)
    "rgb_bd_rate": Target(0.0, -20.0, higher=False, unit=" %"),
    # RGB spectral angle at equal bpp, divided by JPEG 2000's there (worst rate point)
    "rgb_sa_ratio": Target(1.0, higher=False, unit="x"),
    # 12 bands: bits saved against JPEG 2000 at equal PSNR (peak 10000), EuroSAT MS test, at
    # every rate point of at least S2_MIN_PSNR dB (the smallest saving counts)
    "s2_bits_saved": Target(60.0, 75.0, unit=" %"),
    # RGB retrieval: mAP@20 of the model's codes on AID archive tiles
    "rgb_map": Target(0.60, 0.75),
    # 12 bands: mAP@20 of the codes minus the best KSH of the same length, EuroSAT MS test
    "s2_map_over_ksh": Target(0.10),
    # mAP@20 of exact cosine ranking on the model's own features minus the codes' (both sets)
    "map_gap_to_reference": Target(0.02, higher=False),
    # codec tiles/s (slower of encode and decode) over OpenJPEG's on the same tiles
    "throughput": Target(1 / 3, 1.0, unit="x"),
}
#: The 12-band saving target holds at rate points of at least this PSNR (dB, peak 10000).
S2_MIN_PSNR = 40.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", nargs="+", type=Path, help="model package folders")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--figures", type=Path, default=REPO / "docs" / "benchmarks")
    parser.add_argument(
        "--pareto",
        nargs="+",
        type=Path,
        default=[],
        help="training checkpoint folders whose stage2_pareto_<i>.pt add points to the RD "
        "curves (default: the runs/<run>/checkpoints of the training run of each model package "
        "without rate points, if present)",
    )
    parser.add_argument("--no-pareto", action="store_true", help="one RD point per package")
    parser.add_argument("--allow-untrained", action="store_true")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["rd", "retrieval", "scripts"],
        choices=["rd", "retrieval", "scripts"],
    )
    parser.add_argument("--rd-tiles", type=int, default=32, help="tiles per RD set at most")
    parser.add_argument(
        "--retrieval-protocol",
        choices=["archive-tiles", "split"],
        default="archive-tiles",
        help="archive-tiles: every test tile queries the others, its own image's tiles left "
        "out (default); split: validation images query test images (the thesis's protocol)",
    )
    parser.add_argument(
        "--train", type=int, default=600, help="training images for KLSH/KSH (each set)"
    )
    parser.add_argument(
        "--queries", type=int, default=200, help="validation images as queries (split protocol)"
    )
    parser.add_argument(
        "--database", type=int, default=600, help="test images as the archive (each set)"
    )
    parser.add_argument("--script-timeout", type=int, default=390, help="seconds per script")
    return parser.parse_args(argv)


def log(message: str) -> None:
    """Progress on stderr, so a 30-minute run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] run_all: {message}", file=sys.stderr, flush=True)


def pin_threads() -> None:
    """2 threads for every library, set before torch or GDAL start their pools."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GDAL_NUM_THREADS"):
        os.environ[var] = str(THREADS)


def is_untrained(package) -> bool:
    """Random packages say so in their card (``models.testing.make_random_package``)."""
    card = package.card.lower()
    return any(s in card for s in ("not trained", "randomly initialised", "untrained"))


def load_packages(paths: list[Path] | None) -> list:
    from scicbir.errors import UserFacingError
    from scicbir.models.package import ModelPackage
    from scicbir.models.registry import shipped_models_dir

    if paths:
        try:
            return [ModelPackage.load(p) for p in paths]
        except UserFacingError as exc:
            raise SystemExit(f"run_all: {exc}") from exc
    folder = shipped_models_dir()
    found = sorted(p.parent for p in folder.glob("*/package.json")) if folder.is_dir() else []
    if not found:
        raise SystemExit(
            f"run_all: no model packages in {folder}; give --model PACKAGE_FOLDER "
            "(e.g. one made with scicbir.models.testing.make_random_package plus --allow-untrained)"
        )
    return [ModelPackage.load(p) for p in found]


class Report:
    """Markdown sections and a JSON record of every figure, written at the end."""

    def __init__(self, untrained: bool) -> None:
        self.sections: list[str] = []
        self.summary: list[list[object]] = []
        self.record: dict[str, object] = {}
        self.untrained = untrained

    def heading(self, level: int, text: str) -> None:
        label = " — untrained model" if self.untrained else ""
        self.sections.append(f"{'#' * level} {text}{label}\n")

    def add(self, text: str) -> None:
        self.sections.append(text.rstrip() + "\n")


def fit_side(tileset, side: int):
    """Centre-crop a set's tiles to the model's tile size when they are larger."""
    from benchmarks.datasets import centre_crop

    if tileset.tiles.shape[-1] > side or tileset.tiles.shape[-2] > side:
        tileset.tiles = np.stack([centre_crop(t, side) for t in tileset.tiles])
        tileset.note += f", centre-cropped to the model's {side} px tiles"
    return tileset


def rd_sets(bands: int, data: Path, limit: int, side: int) -> list:
    from benchmarks import datasets

    if bands == 12:
        sets = [
            datasets.eurosat_ms(data / "eurosat-ms", "test", limit),
            datasets.sentinel2_patches(
                [data / "bigearthnet-s2", data / "reben-s2"], data / "bigearthnet-s2"
            ),
        ]
    else:
        scene = data / "scenes" / "LC08_L1TP_224078_20200518_20200518_01_RT.TIF"
        # tiles of `limit` images, then `limit` of those tiles spread over all the images
        aid = datasets.aid(data / "aid", "test", limit, side=side)
        picked = datasets.spread(list(range(len(aid))), limit)
        images = len({aid.groups[i] for i in picked})
        aid = aid.subset(
            picked,
            f"{len(picked)} tiles of {images} images of the test split, cut on a centred grid "
            f"of {side} px tiles at the images' own resolution (no resizing)",
        )
        sets = [aid, datasets.landsat_crops(scene, side=min(side, 128), limit=min(limit, 24))]
    return [fit_side(s, side) for s in sets]


def curve_of(packages: list, tileset, offset, scale) -> list:
    """The SCI-CBIR points of one band count: every rate point of every package."""
    from benchmarks import rate_distortion

    return [
        p for pkg in packages for p in rate_distortion.codec_points(pkg, tileset, offset, scale)
    ]


def run_rate_distortion(
    report: Report, groups: dict[int, list], pareto: dict[int, list], args
) -> None:
    from benchmarks import plots, rate_distortion
    from benchmarks.report import bd_line, rd_table

    report.heading(2, "Rate-distortion: SCI-CBIR codec against JPEG 2000")
    report.add(
        "Same tiles, same bands, same value range for every codec. bpp = bits actually written "
        "(SCI-CBIR stream with its header; raw J2K codestream from OpenJPEG via GDAL) per "
        "spatial pixel, all bands together. Quality is computed after decoding back to the "
        "source integers, with the engine's metric functions: PSNR against peak 10000 for the "
        "12-band Sentinel-2 sets (reflectance x 10000), against peak 1.0 of the normalised "
        "range otherwise (255 for 8-bit AID; each band's 0.1-99.9 % range for the 16-bit "
        "Landsat crops); spectral angle on the normalised values. AID tiles are cut from the "
        "test images at their own resolution, as an archive cuts a raster. JPEG 2000 runs "
        "irreversible 9/7 with `QUALITY` swept, `RESOLUTIONS` set for small tiles (coarsest "
        "level ~8 px), YCC for RGB. Every rate point of a model package is a point of the "
        "SCI-CBIR curve. BD-rate: Bjontegaard with piecewise cubic interpolation of log rate "
        "over the PSNR range both curves cover; negative = SCI-CBIR saves bits at equal "
        "quality. With a single SCI-CBIR point the saving at that point against the JPEG 2000 "
        "curve is given instead. Spectral angle at equal bpp: JPEG 2000's angle interpolated "
        "on its curve at each SCI-CBIR point's bpp. Tiles/s: each codec codes the whole set "
        f"{rate_distortion.TIMING_PASSES} times in this process; the median pass counts."
    )
    for bands, packages in groups.items():
        ids = [
            rate_distortion.point_label(q)
            for p in packages
            for q in rate_distortion.rate_point_packages(p)
        ] + [p.model_id for p in pareto.get(bands, [])]
        report.add(f"- SCI-CBIR points, {bands} bands: {', '.join(ids)}")
    record = report.record.setdefault("rate_distortion", {})
    for bands, packages in groups.items():
        side = min(p.config.tile_size for p in packages)
        for tileset in rd_sets(bands, args.data, args.rd_tiles, side):
            offset, scale = rate_distortion.normalisation_of(tileset, packages[0].config)
            log(f"rate-distortion on {tileset.name} ({len(tileset)} tiles)")
            jp2 = rate_distortion.jpeg2000_curve(tileset, offset, scale)
            ours = curve_of(packages, tileset, offset, scale) + [
                rate_distortion.codec_point(p, tileset, offset, scale)
                for p in pareto.get(bands, [])
            ]
            lossless = rate_distortion.lossless_reference(tileset)
            bd = rate_distortion.bd_rates(jp2, ours)
            slug = tileset.name.split(" (")[0].lower().replace(" ", "-")
            png = plots.rd_plot(
                args.figures / f"rd-{slug}.png",
                tileset.name + (" (untrained model)" if report.untrained else ""),
                {"JPEG 2000": jp2, "SCI-CBIR": ours},
                lossless,
            )
            report.heading(3, f"{tileset.name}, {bands} bands")
            peak = "PSNR peak 10000" if tileset.peak == 10000 else "PSNR peak 1.0 (normalised)"
            report.add(
                f"{tileset.note}; {tileset.tiles.shape[-1]} px, dtype {tileset.tiles.dtype}; "
                f"{peak}."
            )
            report.add(rd_table(jp2 + ours))
            report.add(
                "Lossless size reference: "
                + ", ".join(f"GeoTIFF {k} {v:.2f} bpp" for k, v in lossless.items())
                + f" (raw {bands * tileset.tiles.dtype.itemsize * 8} bpp)."
            )
            target = TARGETS["rgb_bd_rate"].goal if bands == 3 else None
            report.add(bd_line("BD-rate against JPEG 2000", bd, target))
            entry = {
                "note": tileset.note,
                "peak": tileset.peak,
                "points": [p.as_dict() for p in jp2 + ours],
                "lossless_bpp": lossless,
                "bd_rate": bd,
            }
            if bands == 3:
                angles = rate_distortion.sa_at_equal_rate(jp2, ours)
                report.add(sa_line(angles))
                report.summary.append(_bd_summary(tileset.name, bd))
                report.summary.append(_sa_summary(tileset.name, angles))
                entry["sa_at_equal_bpp"] = [
                    {"setting": p.setting, "bpp": p.bpp, "sa": p.sa, "jpeg2000_sa": ref, "why": why}
                    for p, ref, why in angles
                ]
            else:
                savings = rate_distortion.savings_at_quality(jp2, ours, S2_MIN_PSNR)
                report.add(saving_line(savings, ours))
                if tileset.name.startswith("EuroSAT"):
                    report.summary.append(_saving_summary(tileset.name, savings, ours))
                entry["saving_at_min_psnr"] = [
                    {"setting": p.setting, "bpp": p.bpp, "psnr": p.psnr, "saving": v, "why": why}
                    for p, v, why in savings
                ]
            report.add(f"![{tileset.name}]({png.relative_to(args.out.parent).as_posix()})")
            report.summary.append(_throughput_summary(tileset.name, jp2, ours))
            record[tileset.name] = entry


def sa_line(angles: list) -> str:
    """Spectral angle of each SCI-CBIR point against JPEG 2000's at the same bpp."""
    parts = []
    for point, ref, why in angles:
        if ref is None:
            parts.append(f"{point.setting}: not comparable ({why})")
            continue
        who = "SCI-CBIR" if point.sa <= ref else "**JPEG 2000**"
        parts.append(
            f"{point.setting} at {point.bpp:.3g} bpp: {point.sa:.4g} rad against JPEG 2000's "
            f"{ref:.4g} rad ({who} closer)"
        )
    return "- Spectral angle at equal bpp: " + ("; ".join(parts) or "no SCI-CBIR point")


def saving_line(savings: list, ours: list) -> str:
    """Bits saved at equal PSNR at each SCI-CBIR point of at least S2_MIN_PSNR dB."""
    if not savings:
        best = max((p.psnr for p in ours), default=float("nan"))
        return (
            f"- Bits saved against JPEG 2000 at equal PSNR, points >= {S2_MIN_PSNR:g} dB: "
            f"**none reaches {S2_MIN_PSNR:g} dB** (best {best:.1f} dB)"
        )
    parts = []
    for point, value, why in savings:
        if value is None:
            parts.append(f"{point.setting} ({point.psnr:.1f} dB): not computable ({why})")
        elif value <= 0:
            parts.append(f"{point.setting} ({point.psnr:.1f} dB): saves {-value:.1f} % of the bits")
        else:
            parts.append(
                f"{point.setting} ({point.psnr:.1f} dB): **needs {value:.1f} % more bits**"
            )
    return (
        f"- Bits saved against JPEG 2000 at equal PSNR, points >= {S2_MIN_PSNR:g} dB: "
        + "; ".join(parts)
    )


def _bd_summary(name: str, bd: dict) -> list[object]:
    target = TARGETS["rgb_bd_rate"]
    value = bd.get("psnr")
    value = value if isinstance(value, float) else None
    kind = bd.get("psnr_kind", "")
    label = f"RGB BD-rate (PSNR) vs JPEG 2000, {name}"
    if kind == "rate saving at the single point":
        label += f" ({kind})"
    return [
        label,
        target.text(),
        value,
        target.verdict(value, "SCI-CBIR needs more bits than JPEG 2000", str(kind)),
    ]


def _sa_summary(name: str, angles: list) -> list[object]:
    """Worst ratio of our spectral angle to JPEG 2000's at equal bpp over the rate points."""
    target = TARGETS["rgb_sa_ratio"]
    ratios = [p.sa / ref for p, ref, _ in angles if ref is not None and ref > 0]
    missing = [f"{p.setting}: {why}" for p, ref, why in angles if ref is None]
    value = max(ratios) if ratios and not missing else None
    why_not = "; ".join(missing) or "no SCI-CBIR point"
    return [
        f"RGB spectral angle at equal bpp / JPEG 2000's, {name} (worst rate point)",
        target.text(),
        value,
        target.verdict(value, "JPEG 2000 keeps spectra closer", why_not),
    ]


def _saving_summary(name: str, savings: list, ours: list) -> list[object]:
    """Smallest share of bits saved over the rate points of at least S2_MIN_PSNR dB."""
    target = TARGETS["s2_bits_saved"]
    label = (
        f"12-band bits saved vs JPEG 2000 at equal PSNR (peak 10000), rate points >= "
        f"{S2_MIN_PSNR:g} dB, {name} (smallest)"
    )
    if not savings:
        best = max((p.psnr for p in ours), default=float("nan"))
        return [
            label,
            target.text(),
            f"best point {best:.1f} dB",
            f"**missed** (no rate point reaches {S2_MIN_PSNR:g} dB)",
        ]
    missing = [f"{p.setting}: {why}" for p, v, why in savings if v is None]
    value = None if missing else min(-v for _, v, _ in savings)
    return [
        label,
        target.text(),
        value,
        target.verdict(value, "", "; ".join(missing)),
    ]


def _throughput_summary(name: str, jp2: list, ours: list) -> list[object]:
    target = TARGETS["throughput"]
    ratios = []
    for p in ours:
        nearest = min(jp2, key=lambda j: abs(j.bpp - p.bpp))
        ratios.append(
            min(
                p.encode_tiles_s / nearest.encode_tiles_s, p.decode_tiles_s / nearest.decode_tiles_s
            )
        )
    worst = min(ratios) if ratios else None
    return [
        f"codec tiles/s vs OpenJPEG, {name} (slower of encode/decode, slowest rate point)",
        target.text(),
        worst,
        target.verdict(worst, "SCI-CBIR is slower", "no SCI-CBIR point"),
    ]


def retrieval_sets(bands: int, data: Path, side: int, args) -> tuple:
    """(name, train, queries, archive, note) of the band count's retrieval set; under the
    archive-tiles protocol the queries are the archive itself."""
    from benchmarks import datasets

    split = args.retrieval_protocol == "split"
    if bands == 3:
        root = data / "aid"
        train = datasets.aid(root, "train", args.train, side=side)
        database = datasets.aid(root, "test", args.database, side=side)
        images = len(set(database.groups))
        fitted = (
            f"KSH/KLSH fitted on {len(train)} tiles of {len(set(train.groups))} training images"
        )
        if split:
            queries = datasets.aid(root, "val", args.queries, side=side)
            note = (
                f"AID, split protocol: {len(queries)} tiles of {len(set(queries.groups))} "
                f"validation images query {len(database)} tiles of {images} test images; {fitted}"
            )
            return "AID", train, queries, database, note
        note = (
            f"AID archive tiles: {len(database)} tiles of {images} test images, cut on a centred "
            f"grid of {side} px at the images' own resolution; every tile queries all the "
            f"others, the tiles of its own image left out; {fitted}"
        )
        return "AID", train, database, database, note
    root = data / "eurosat-ms"
    train = fit_side(datasets.eurosat_ms(root, "train", args.train), side)
    database = fit_side(datasets.eurosat_ms(root, "test", args.database), side)
    fitted = f"KSH/KLSH fitted on {len(train)} training tiles"
    if split:
        queries = fit_side(datasets.eurosat_ms(root, "val", args.queries), side)
        note = (
            f"EuroSAT MS, split protocol: {len(queries)} validation tiles query {len(database)} "
            f"test tiles; {fitted}"
        )
        return "EuroSAT MS", train, queries, database, note
    note = (
        f"EuroSAT MS test: the {len(database)} test tiles (one per image) query each other, "
        f"each query's own tile left out; {fitted}"
    )
    return "EuroSAT MS", train, database, database, note


def run_retrieval(report: Report, groups: dict[int, list], args) -> None:
    from benchmarks import plots, retrieval
    from benchmarks.report import retrieval_table

    report.heading(2, "Retrieval: SCI-CBIR codes against classic hashing")
    report.add(
        "Archive-tiles protocol (what an archive sees, as the trainer evaluates): the test images "
        "are cut into tiles at their own resolution and every tile queries all the others; the "
        "tiles of the query's own image are never retrieved, for every method alike (EuroSAT "
        "has one tile per image: plain leave-one-out). P@8 and R@8 (thesis eqs. 4.8-4.9) and "
        "mAP@20, scored by the engine's `scicbir.training.retrieval`; tied distances (frequent "
        "with short codes) count as the exact average over all orders of the tied tiles, for "
        "every method alike. Baselines see the model's continuous pre-hash features (hash "
        "network output) or a hand-crafted colour/gradient histogram: random codes (floor), "
        "KLSH (Kulis & Grauman, unsupervised; 300 anchors, t = 30), KSH (Liu et al. 2012, "
        "supervised; 300 anchors, <= 1000 labelled samples), exact ranking (upper reference: "
        "cosine on the model's features, L2 on the histogram). "
        f"Protocol of this run: `{args.retrieval_protocol}`."
    )
    record = report.record.setdefault("retrieval", {})
    import torch

    # nothing is timed here: one thread avoids OpenMP threads waiting on each other when other
    # work shares the cores (measured 10x slower with 2 threads on a loaded 2-core machine)
    torch.set_num_threads(1)
    for bands, packages in groups.items():
        package = packages[0]
        side = package.config.tile_size
        name, train, queries, database, note = retrieval_sets(bands, args.data, side, args)
        offset, scale = (
            np.asarray(package.config.normalisation_offset),
            np.asarray(package.config.normalisation_scale),
        )
        rows = retrieval.evaluate_dataset(package, train, queries, database, offset, scale)
        png = plots.retrieval_plot(
            args.figures / f"retrieval-{name.split()[0].lower()}.png",
            name + (" (untrained model)" if report.untrained else ""),
            rows,
        )
        report.heading(3, f"{name} ({package.model_id}, {package.config.hash_bits} bits)")
        report.add(note + ".")
        report.add(retrieval_table(rows))
        report.add(f"![{name}]({png.relative_to(args.out.parent).as_posix()})")
        report.summary += _retrieval_summary(
            name, bands, package.config.hash_bits, rows, args.retrieval_protocol
        )
        record[name] = {
            "note": note,
            "protocol": args.retrieval_protocol,
            "model": package.model_id,
            "rows": [r.as_dict() for r in rows],
        }
    torch.set_num_threads(THREADS)


def _retrieval_summary(
    name: str, bands: int, bits: int, rows: list, protocol: str = "archive-tiles"
) -> list[list[object]]:
    ours = next(r for r in rows if r.method.startswith("SCI-CBIR codes (encoder"))
    reference = next(
        r for r in rows if r.method == "exact cosine ranking" and r.features.startswith("model")
    )
    out = []
    if bands == 3:
        target = TARGETS["rgb_map"]
        archive = protocol == "archive-tiles"
        out.append(
            [
                f"RGB mAP@20 of our {bits}-bit codes, {name} archive tiles",
                target.text(),
                ours.map_at_20,
                target.verdict(
                    ours.map_at_20 if archive else None,
                    "",
                    f"the target is set on archive tiles, this run used the {protocol} protocol",
                ),
            ]
        )
    else:
        target = TARGETS["s2_map_over_ksh"]
        ksh = [r for r in rows if r.method == "KSH" and r.bits == bits]
        best_ksh = max(ksh, key=lambda r: r.map_at_20) if ksh else None
        margin = ours.map_at_20 - best_ksh.map_at_20 if best_ksh is not None else None
        out.append(
            [
                f"12-band mAP@20 of our {bits}-bit codes minus best {bits}-bit KSH, {name}",
                target.text().replace(">= ", ">= +"),
                margin,
                target.verdict(
                    margin,
                    "KSH retrieves better" if margin is not None and margin < 0 else "",
                    f"no {bits}-bit KSH row",
                ),
            ]
        )
    target = TARGETS["map_gap_to_reference"]
    gap = reference.map_at_20 - ours.map_at_20
    out.append(
        [
            f"mAP@20 gap of our {bits}-bit codes to exact cosine on model features, {name}",
            target.text(),
            gap,
            target.verdict(gap),
        ]
    )
    return out


def script_command(path: Path, groups: dict[int, list], json_out: Path) -> list[str]:
    """The script with our model packages and a JSON output, where the script takes them."""
    source = path.read_text(encoding="utf-8")
    command = [sys.executable, str(path)]
    for option, bands in SCRIPT_MODEL_OPTIONS.get(path.name, {}).items():
        if f'"{option}"' in source and groups.get(bands):
            command += [option, str(groups[bands][0].path)]
    extra = SCRIPT_ARGS.get(path.name, [])
    options = [a for a in extra if a.startswith("--")]
    if all(f'"{o}"' in source for o in options):
        command += extra
    if '"--json"' in source:
        command += ["--json", str(json_out)]
    return command


def run_scripts(report: Report, groups: dict[int, list], args) -> None:
    from benchmarks.report import code_block

    record = report.record.setdefault("scripts", {})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for script, title in BENCH_SCRIPTS:
        report.heading(2, title)
        path = REPO / "benchmarks" / script
        log(f"running {script}")
        if not path.is_file():
            report.add(f"`benchmarks/{script}` does not exist yet: no figures for this part.")
            record[script] = {"status": "missing"}
            continue
        json_out = args.figures / f"{path.stem}.json"
        command = script_command(path, groups, json_out)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                timeout=args.script_timeout,
            )
        except subprocess.TimeoutExpired as exc:
            tail = (exc.stdout or b"")[-4000:]
            tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
            report.add(f"`{script}` did not finish within {args.script_timeout} s; partial output:")
            report.add(code_block(tail or "(none)"))
            record[script] = {"status": "timeout"}
            continue
        seconds = time.perf_counter() - start
        shown = " ".join(shlex.quote(str(c)) for c in command[1:]).replace(str(REPO) + "/", "")
        report.add(f"`python {shown}`, exit code {done.returncode}, {seconds:.0f} s.")
        lines = done.stdout.strip().splitlines()
        report.add(code_block("\n".join(lines[-150:]) or "(no output)"))
        if done.returncode != 0:
            report.add("It failed; the last lines of its error output:")
            report.add(code_block("\n".join(done.stderr.strip().splitlines()[-30:])))
        record[script] = {"status": "ok" if done.returncode == 0 else "failed", "seconds": seconds}
        if json_out.is_file():
            record[script]["json"] = json_out.relative_to(args.out.parent).as_posix()


#: Crash safety is measured on its own (it kills and resumes compress for many minutes, which
#: does not fit this run's 30): its page is written by hand from its script's output.
FAULT_INJECTION_NOTE = (
    "Crash safety (compress killed at random system calls, resumed, compared tile by tile with "
    "an uninterrupted run): [fault-injection.md](fault-injection.md), measured on its own with "
    "`benchmarks/fault_injection.py`.\n\n"
    "Search at 10^8 codes and with codes shared by many tiles (an hour of one core, beyond this "
    "run): [search-scale.md](search-scale.md), measured on its own with "
    "`benchmarks/bench_index_types.py` and `benchmarks/bench_tied_codes.py`.\n"
)


def write(report: Report, args, machine: dict, command: str, seconds: float, packages) -> None:
    from benchmarks.report import table

    head = ["# Benchmarks against peers\n"]
    if report.untrained:
        head.append(
            "> **Untrained model.** These figures come from randomly initialised model packages "
            "(`--allow-untrained`): they measure the code paths and the peers, not the method. "
            "Rerun with the trained default models for real figures.\n"
        )
    head.append(
        f"Generated by `{command}` on {machine['date_utc']} in {seconds / 60:.1f} min; run the "
        "same command to regenerate every figure, table and plot on this page.\n"
    )
    head.append(FAULT_INJECTION_NOTE)
    head.append("## Machine and software\n")
    versions = machine["versions"]
    head.append(
        table(
            ["item", "value"],
            [
                ["CPU", machine["cpu"]],
                ["cores visible / threads used", f"{machine['cores_visible']} / {THREADS}"],
                ["memory", f"{machine['memory_gib']} GiB"],
                ["OS", machine["os"]],
                ["Python", machine["python"]],
                *[[k, v] for k, v in versions.items()],
            ],
        )
        + "\n"
    )
    head.append("## Models\n")
    head.append(
        table(
            ["model", "bands", "tile", "N / M / K", "hash bits", "trained", "checksum"],
            [
                [
                    p.model_id,
                    p.config.num_bands,
                    p.config.tile_size,
                    f"{p.config.N} / {p.config.M} / {p.config.K}",
                    p.config.hash_bits,
                    "no" if is_untrained(p) else "yes",
                    p.checksum[:12],
                ]
                for p in packages
            ],
        )
        + "\n"
    )
    if report.summary:
        head.append("## Against the targets\n")
        head.append(table(["target", "goal", "measured", "verdict"], report.summary) + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(head + report.sections), encoding="utf-8")
    record = {"machine": machine, "command": command, "seconds": seconds, **report.record}
    (args.figures / "results.json").write_text(
        json.dumps(record, indent=2, default=str), encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    pin_threads()
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    args = parse_args(argv)
    import torch

    from benchmarks.machine import describe

    torch.set_num_threads(THREADS)
    start = time.perf_counter()
    packages = load_packages(args.model)
    untrained = [p.model_id for p in packages if is_untrained(p)]
    if untrained and not args.allow_untrained:
        print(
            f"run_all: {', '.join(untrained)} are randomly initialised (their model card says "
            "so); their figures would not describe the method. Give trained packages with "
            "--model, or add --allow-untrained to label every table 'untrained model'.",
            file=sys.stderr,
        )
        return 2
    groups: dict[int, list] = {}
    for p in packages:
        if p.config.num_bands in (3, 12):
            groups.setdefault(p.config.num_bands, []).append(p)
    if not groups and {"rd", "retrieval"} & set(args.parts):
        print("run_all: no 3-band or 12-band model package given", file=sys.stderr)
        return 2
    if not args.data.is_dir() and {"rd", "retrieval"} & set(args.parts):
        print(f"run_all: data folder {args.data} is missing; pass --data DIR", file=sys.stderr)
        return 2
    args.figures.mkdir(parents=True, exist_ok=True)
    pareto: dict[int, list] = {}
    folders = list(args.pareto)
    if not folders and not args.no_pareto:
        from benchmarks.pareto import find_run_checkpoints

        # a package with rate points brings its own curve; runs add points only to the others
        found = (
            find_run_checkpoints(REPO / "runs", p.model_id, p.checksum)
            for p in packages
            if not p.rate_points
        )
        folders = [f for f in found if f is not None]
    if folders and not args.no_pareto and "rd" in args.parts:
        from benchmarks.pareto import pareto_packages

        log(f"Pareto points from {', '.join(str(f) for f in folders)}")
        scratch = Path(tempfile.mkdtemp(prefix="scicbir-pareto-"))
        for p in pareto_packages(folders, scratch):
            pareto.setdefault(p.config.num_bands, []).append(p)
    report = Report(bool(untrained))
    parts = {
        "rd": lambda: run_rate_distortion(report, groups, pareto, args),
        "retrieval": lambda: run_retrieval(report, groups, args),
        "scripts": lambda: run_scripts(report, groups, args),
    }
    for name in ("rd", "retrieval", "scripts"):
        if name in args.parts:
            t0 = time.perf_counter()
            parts[name]()
            log(f"{name} done in {time.perf_counter() - t0:.0f} s")
    shown = shlex.join(argv if argv is not None else sys.argv[1:])
    command = f".venv/bin/python benchmarks/run_all.py {shown}".strip()
    write(report, args, describe(), command, time.perf_counter() - start, packages)
    print(f"run_all: wrote {args.out} in {(time.perf_counter() - start) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
