"""``scicbir archive info DIR [--json]``: what an archive holds and how small it is."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("archive", help="inspect an archive folder")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="tiles, sources, bytes, mean bpp, ratio, model")
    info.add_argument("archive", metavar="DIR", help="archive folder")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=run_info)


def run_info(args: argparse.Namespace) -> int:
    from scicbir.archive.info import archive_info

    info = archive_info(args.archive)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    model = info["model"] or {}
    ratio = info["compression_ratio"]
    lines = {
        "archive": info["archive"],
        "model": f"{model.get('model_id')} (sha256 {str(model.get('checksum'))[:12]}...)",
        "sources": info["sources"],
        "tiles": info["tiles"],
        "stream bytes": info["stream_bytes"],
        "raw bytes": info["raw_bytes"],
        "ratio": f"{ratio:.1f}:1" if ratio else "-",
        "mean bpp": f"{info['mean_bpp']:.3f}" if info["mean_bpp"] is not None else "-",
        "mean PSNR": f"{info['mean_psnr_db']:.2f} dB" if info["mean_psnr_db"] is not None else "-",
        "index": "current" if info["index"]["current"] else "stale (scicbir index rebuild)",
    }
    for key, value in lines.items():
        print(f"{key:>13}: {value}")
    return 0
