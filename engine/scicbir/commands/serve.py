"""``scicbir serve``: the JSON-lines service on stdin/stdout that the QGIS plugin drives.

The protocol is described in docs/protocol.md. No network port is opened: the service is meant
to be a child process of its client, which owns its lifetime (closing stdin stops it).
"""

from __future__ import annotations

import argparse

LEVELS = ("debug", "info", "warning", "error")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="JSON-lines service on stdin/stdout (used by the QGIS plugin)",
        description="Answer JSON-lines requests on stdin with replies and notifications on "
        "stdout (docs/protocol.md); the log goes to stderr. Ends on 'shutdown' or end of input.",
    )
    parser.add_argument(
        "--log-level", choices=LEVELS, default="info", help="stderr log level (default info)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.service.server import serve

    return serve(log_level=getattr(args, "log_level", "info"))
