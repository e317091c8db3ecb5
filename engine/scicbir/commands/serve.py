"""``scicbir serve``: the JSON-lines service on stdin/stdout that the QGIS plugin drives."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="JSON-lines service on stdin/stdout (used by the QGIS plugin)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.service.server import serve

    return serve()
