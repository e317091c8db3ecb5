"""``scicbir info``: versions of the engine and its libraries, the device, available models."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="engine and library versions, device, models")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.environment import engine_info

    info = engine_info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            if key == "models":
                value = ", ".join(m["name"] for m in value) or "(none)"
            print(f"{key:>14}: {value}")
    return 0
