"""``scicbir index rebuild DIR``: rebuild an archive's faiss index from its catalog."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("index", help="the archive's hash-code index")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = actions.add_parser("rebuild", help="rebuild index.faiss from catalog.gpkg")
    rebuild.add_argument("archive", metavar="DIR", help="archive folder")
    rebuild.set_defaults(func=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    from scicbir.archive.store import Archive

    with Archive.open(args.archive) as archive:
        index = archive.rebuild_index()
    print(f"{index.ntotal} tiles indexed in {args.archive}/index.faiss")
    return 0
