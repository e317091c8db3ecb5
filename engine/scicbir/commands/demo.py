"""``scicbir demo``: the main job (compress the bundled samples, answer a region query)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="compress the bundled sample rasters into archives and answer a region query",
    )
    parser.add_argument("--out", default="demo-output", help="output folder (default: %(default)s)")
    parser.add_argument("-k", type=int, default=8, help="number of results (default: %(default)s)")
    parser.add_argument("--samples", help="folder of sample rasters (default: resources/samples)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.demo import SAMPLES, format_report, run_demo

    report = run_demo(args.out, k=args.k, samples=args.samples or SAMPLES)
    if args.json:
        report = dict(report, result=report["result"].to_dict())
        print(json.dumps(report, indent=2, default=str))
    else:
        print(format_report(report))
    return 0
