"""``scicbir eval --model M --data CONFIG``: real-bitstream and retrieval figures of a model."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="measure a model on a dataset: bpp, PSNR, SSIM, SA, P@8/R@8, mAP@k",
        description="Encode the test split of the dataset described by a training configuration "
        "into real bitstreams and decode it (bpp, PSNR, SSIM, spectral angle), then query the "
        "test tiles with the validation tiles (thesis protocol: precision/recall at R=8, mAP@k).",
    )
    parser.add_argument("--model", required=True, help="model name or package folder")
    parser.add_argument("--data", required=True, metavar="CONFIG", help="training YAML file")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--query-split", default="val", choices=("train", "val", "test"))
    parser.add_argument("--max-samples", type=int, help="cap on tiles per split")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda")
    parser.add_argument(
        "--decoder-side",
        action="store_true",
        help="archive codes from the latents decoded from the bitstreams",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.training.evaluate import evaluate

    with ProgressBar("tile", disable=args.quiet) as bar:
        result = evaluate(
            args.model,
            args.data,
            bar,
            split=args.split,
            query_split=args.query_split,
            max_samples=args.max_samples,
            device=args.device,
            decoder_side=args.decoder_side,
        )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"model {result['model']} on {result['test_samples']} {result['split']} tiles")
        for k, v in result["compression"].items():
            print(f"{k:>14}: {v:.4f}")
        for k, v in result.get("retrieval", {}).items():
            print(f"{k:>14}: {v:.4f}" if isinstance(v, float) else f"{k:>14}: {v}")
    return 0
