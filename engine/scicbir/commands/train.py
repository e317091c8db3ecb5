"""``scicbir train --config FILE.yaml`` or ``--recipe NAME --dataset DIR --output DIR``: run or
continue the three-stage training."""

from __future__ import annotations

import argparse
import json

from scicbir.training.config import FORMATS
from scicbir.training.recipes import RECIPES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model (three SCI-CBIR stages) from a YAML configuration or a recipe; "
        "resumable",
        description="Train a SCI-CBIR model as described by a YAML configuration (examples in "
        "engine/configs/) or by a shipped model's recipe on your dataset. Running the same command again continues from the last checkpoint "
        "in the configuration's output folder, after Ctrl-C or a crash alike. The finished run "
        "writes a model package <output>/<name>/.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", metavar="FILE", help="training YAML file")
    source.add_argument(
        "--recipe",
        choices=list(RECIPES),
        help="train with a shipped model's recipe (rgb-8bit: engine/configs/default-rgb.yaml, "
        "sentinel2-12band: default-sentinel2.yaml) on --dataset, writing to --output",
    )
    source.add_argument(
        "--archive",
        metavar="DIR",
        help="with --self-supervised: retrain the hashing part of archive DIR's model on the "
        "archive's own tiles, without labels, and switch the archive to the new codes (the codec "
        "and the bitstreams stay; the new model goes to --output or the user's models folder)",
    )
    parser.add_argument(
        "--self-supervised",
        action="store_true",
        help="train without labels (needs --archive)",
    )
    parser.add_argument("--steps", type=int, help="with --archive: training steps (default 3000)")
    parser.add_argument(
        "--max-tiles",
        type=int,
        help="with --archive: train on at most this many tiles, drawn at random (default 20000)",
    )
    parser.add_argument(
        "--neighbour-pairs",
        type=float,
        help="with --archive: fraction of the tiles whose positive is a neighbouring tile of the "
        "same raster rather than another version of the tile itself (default 0.5; 0: never)",
    )
    parser.add_argument("--dataset", metavar="DIR", help="dataset folder (replaces the data)")
    parser.add_argument(
        "--kind",
        choices=list(FORMATS),
        help="layout of --dataset (default class-folder, or the configuration's)",
    )
    parser.add_argument("--name", help="model name (default: the output folder's name)")
    parser.add_argument(
        "--scale",
        help="value scale: a number (values are divided by it) or 'auto' (read from the data; "
        "the default with --dataset)",
    )
    parser.add_argument(
        "--epochs", help="epochs of every stage (10) or of stages 1, 2, 3 (28,4,10)"
    )
    parser.add_argument(
        "--restart", action="store_true", help="ignore existing checkpoints and start over"
    )
    parser.add_argument("--device", help="override 'device' (auto, cpu, cuda, cuda:1)")
    parser.add_argument(
        "--stages", help="override 'stages', e.g. 3 or 2,3 (earlier checkpoints are reused)"
    )
    parser.add_argument("--output", help="override 'output' (run folder)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _sigint_cancels():
    """A cancel token that Ctrl-C sets (stop at the next step; a second Ctrl-C interrupts)."""
    import signal

    from scicbir.progress import CancelToken

    cancel = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        cancel.cancel()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    return cancel


def run_adapt(args: argparse.Namespace) -> int:
    """``--archive DIR --self-supervised``: ``scicbir.training.adapt.adapt_archive``."""
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.errors import InputError
    from scicbir.training.adapt import AdaptRequest, adapt_archive

    if not args.self_supervised:
        raise InputError(
            "--archive trains without labels: add --self-supervised (with labels, train on a "
            "dataset: --recipe NAME --dataset DIR or --config FILE)"
        )
    params = {
        "archive": args.archive,
        "output": args.output,
        "name": args.name,
        "device": args.device,
        "steps": args.steps,
        "max_tiles": args.max_tiles,
        "neighbour_pairs": args.neighbour_pairs,
    }
    request = AdaptRequest.from_params({k: v for k, v in params.items() if v is not None})
    cancel = _sigint_cancels()
    with ProgressBar("step", disable=args.quiet) as bar:
        result = adapt_archive(request, progress=bar, cancel=cancel)
    summary = result.as_dict()
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    last = result.curve[-1] if result.curve else {}
    print(f"model package: {result.model_path}")
    print(
        f"archive {result.archive}: {result.tiles_rehashed} tiles re-hashed with "
        f"'{result.model}' (was '{result.previous_model}')"
    )
    if last:
        print(
            f"trained on {result.tiles_trained} tiles, {result.steps} steps: code balance "
            f"{last['code_balance']:.3f}, versions of a tile agree on "
            f"{100 * last['view_agreement']:.1f} % of the bits"
        )
    print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in result.seconds.items()))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.archive:
        return run_adapt(args)
    if args.self_supervised:
        from scicbir.errors import InputError

        raise InputError("--self-supervised needs --archive DIR (the archive to adapt)")

    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.errors import InputError
    from scicbir.training.request import TrainRequest
    from scicbir.training.trainer import train
    from scicbir.training.value_scale import resolve_value_scale

    epochs = scale = None
    try:
        if args.epochs:
            epochs = [int(e) for e in args.epochs.split(",")]
            epochs = epochs[0] if len(epochs) == 1 else epochs
        if args.scale:
            scale = args.scale if args.scale == "auto" else float(args.scale)
        stages = [int(s) for s in args.stages.split(",")] if args.stages else None
    except ValueError as exc:
        raise InputError(
            "--epochs, --stages and --scale take numbers (e.g. --epochs 28,4,10 --stages 2,3 "
            f"--scale 255): {exc}"
        ) from exc
    request = TrainRequest(
        recipe=args.recipe,
        config=args.config,
        dataset=args.dataset,
        kind=args.kind,
        output=args.output,
        name=args.name,
        stages=tuple(stages) if stages else None,
        epochs=tuple(epochs) if isinstance(epochs, list) else epochs,
        device=args.device,
        scale=scale,
        resume=not args.restart,
    )
    cfg = request.training_config()
    # Ctrl-C: stop at the next step, save, exit 130 (a second Ctrl-C interrupts at once)
    cancel = _sigint_cancels()
    found = resolve_value_scale(cfg)
    if found is not None and not args.json:
        print(
            f"value scale from the data ({found.files} files, {found.dtype}, {found.kind}): "
            f"(x - {found.offset:g}) / {found.scale:g}"
        )
    with ProgressBar("step", disable=args.quiet) as bar:
        result = train(cfg, progress=bar, cancel=cancel, restart=not request.resume)
    summary = result.as_dict()
    if found is not None:
        summary["value_scale"] = found.as_dict()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"model package: {summary['package']}")
        for stage, figures in sorted(summary["best"].items()):
            shown = ", ".join(
                f"{k} {v:.4g}" for k, v in figures.items() if isinstance(v, float) and k != "epoch"
            )
            print(f"best {stage}: {shown}")
        if summary["evaluation"]:
            comp = summary["evaluation"]["compression"]
            print("test: " + ", ".join(f"{k} {v:.4g}" for k, v in comp.items()))
            for k, v in summary["evaluation"].get("retrieval", {}).items():
                if isinstance(v, float):
                    print(f"test {k}: {v:.4f}")
    return 0
