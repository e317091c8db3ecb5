"""The ``scicbir`` command line: a thin dispatcher over ``scicbir.commands``.

Each sub-command lives in its own module under ``scicbir/commands/`` and exposes
``register(subparsers)``; the module sets ``func`` on its parser. Modules are imported only to
build the parser, and heavy libraries (torch, faiss) are imported inside ``func`` so that
``scicbir --version`` and ``--help`` stay instant.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from scicbir import __version__

# Order here is the order in ``scicbir --help``.
COMMAND_MODULES = (
    "demo",
    "compress",
    "search",
    "decode",
    "archive",
    "index",
    "codec",
    "train",
    "eval",
    "model",
    "serve",
    "info",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scicbir",
        description="Learned compression and hash-based retrieval for remote-sensing archives.",
    )
    parser.add_argument("--version", action="version", version=f"scicbir {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"scicbir.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"scicbir.commands.{name}":
                continue  # command not part of this build
            raise
        module.register(subparsers)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's ``KeyboardInterrupt``.

    So a terminated command stops exactly as an interrupted one does: every ``finally`` runs,
    a compress leaves its archive consistent and shuts its worker processes down, and ``serve``
    cancels its jobs at a safe point before it exits."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = args.func(args)
    except Terminated:
        print("scicbir: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("scicbir: interrupted", file=sys.stderr)
        return 130
    except UserFacingError as exc:
        print(f"scicbir {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return int(result or 0)


from scicbir.errors import UserFacingError  # noqa: E402  (after main for import-time speed)

if __name__ == "__main__":
    sys.exit(main())
