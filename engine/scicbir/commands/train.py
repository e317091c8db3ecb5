"""``scicbir train --config FILE.yaml``: run or continue the three-stage training."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model (three SCI-CBIR stages) from a YAML configuration; resumable",
        description="Train a SCI-CBIR model as described by a YAML configuration (examples in "
        "engine/configs/). Running the same command again continues from the last checkpoint "
        "in the configuration's output folder, after Ctrl-C or a crash alike. The finished run "
        "writes a model package <output>/<name>/.",
    )
    parser.add_argument("--config", required=True, metavar="FILE", help="training YAML file")
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


def run(args: argparse.Namespace) -> int:
    import signal
    from pathlib import Path

    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.errors import InputError
    from scicbir.progress import CancelToken
    from scicbir.training.config import load_config
    from scicbir.training.trainer import train

    cfg = load_config(args.config)
    if args.device:
        cfg.device = args.device
    if args.output:
        cfg.output = str(Path(args.output).resolve())
    if args.stages:
        try:
            cfg.stages = [int(s) for s in args.stages.split(",")]
        except ValueError as exc:
            raise InputError(f"--stages '{args.stages}': give stage numbers such as 2,3") from exc
        cfg.validate()
    cancel = CancelToken()
    # Ctrl-C: stop at the next step, save, exit 130 (a second Ctrl-C interrupts at once)
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        cancel.cancel()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    with ProgressBar("step", disable=args.quiet) as bar:
        result = train(cfg, progress=bar, cancel=cancel, restart=args.restart)
    summary = result.as_dict()
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
