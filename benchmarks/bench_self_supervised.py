"""Label-free adaptation of the hash codes, measured as a user would run it.

The training split of a labelled class-folder dataset (AID, EuroSAT MS) is used WITHOUT its
labels: its images are compressed into an archive with the base model, the archive is adapted
(``scicbir.training.adapt``: decode, augmented versions, contrastive hashing, new package,
re-hash), and the new package is evaluated on the dataset's test split exactly as the shipped
models are (``scicbir eval``: archive tiles at native resolution, tiles of the query's own image
excluded, mAP@20), beside the base model's supervised hashing part in the same run.

    .venv/bin/python benchmarks/bench_self_supervised.py --model resources/models/scicbir-rgb-aid \\
        --data ../shared/data/aid --config engine/configs/default-rgb.yaml --images 2000

Prints a JSON summary (and writes it with ``--json-out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.datasets import class_folder_split, spread  # noqa: E402
from benchmarks.report import print_summary  # noqa: E402


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict:
    from scicbir.archive.compress import CompressOptions, compress_folder
    from scicbir.training.adapt import AdaptRequest, adapt_archive
    from scicbir.training.evaluate import evaluate

    work = Path(args.work or tempfile.mkdtemp(prefix="scicbir-ssl-"))
    sources = work / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    chosen = spread(class_folder_split(Path(args.data), "train"), args.images)
    for i, (_, path, _) in enumerate(chosen):  # flat, numbered: no class name reaches the run
        link = sources / f"{i:06d}{path.suffix.lower()}"
        if not link.exists():
            link.symlink_to(path.resolve())
    _log(f"{len(chosen)} training images (labels not used) in {sources}")
    t0 = time.perf_counter()
    archive = work / "archive"
    compress_folder(
        sources, archive, args.model, options=CompressOptions(band_names=args.band_names)
    )
    compress_s = time.perf_counter() - t0
    _log(f"compressed in {compress_s:.0f} s")
    request = AdaptRequest.from_params(
        {
            "archive": str(archive),
            "output": str(work / "adapted-model"),
            "steps": args.steps,
            "max_tiles": args.max_tiles,
            "neighbour_pairs": args.neighbour_pairs,
        }
    )
    result = adapt_archive(request)
    _log(f"adapted: {result.seconds}")
    figures = {}
    for label, model in (
        ("supervised (base model)", args.model),
        ("self-supervised", result.model_path),
    ):
        ev = evaluate(model, args.config, max_samples=args.test_images)
        figures[label] = {k: v for k, v in ev["retrieval"].items() if isinstance(v, float)}
        _log(f"{label}: {figures[label]}")
    last = result.curve[-1] if result.curve else {}
    return {
        "data": str(args.data),
        "base_model": str(args.model),
        "training_images": len(chosen),
        "tiles_in_archive": result.tiles_rehashed,
        "tiles_trained": result.tiles_trained,
        "steps": result.steps,
        "neighbour_pairs": args.neighbour_pairs,
        "compress_seconds": round(compress_s, 1),
        "adapt_seconds": result.seconds,
        "last_logged": last,
        "test": figures,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="base model package")
    parser.add_argument("--data", required=True, help="class-folder dataset (labels unused)")
    parser.add_argument("--config", required=True, help="training YAML of that data (test split)")
    parser.add_argument("--images", type=int, default=2000, help="training images to archive")
    parser.add_argument("--test-images", type=int, default=None, help="cap of test images")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument(
        "--band-names", help="band preset of the images (eurosat-13 for EuroSAT MS's 13 bands)"
    )
    parser.add_argument("--max-tiles", type=int, default=20000)
    parser.add_argument(
        "--neighbour-pairs",
        type=float,
        default=0.5,
        help="fraction of positives from a neighbouring tile (0: versions of one tile only)",
    )
    parser.add_argument("--work", help="working folder (default: a new temporary one)")
    parser.add_argument("--json-out", help="also write the summary here")
    args = parser.parse_args(argv)
    print_summary(run(args), args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
