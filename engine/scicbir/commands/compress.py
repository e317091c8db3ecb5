"""``scicbir compress SRC --archive DIR``: batch-compress a raster folder into an archive."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compress",
        help="compress every raster under a folder into an archive folder (resumable)",
        description="Cut every raster under SRC (recursive) on the model's tile grid, encode and "
        "hash each tile, and add it to the archive DIR (created if missing). Running it again "
        "continues where it stopped; changed rasters are re-compressed, unchanged ones skipped. "
        "Exit status 1 when any file failed (see the summary).",
    )
    parser.add_argument("src", help="raster file or folder of rasters")
    parser.add_argument("--archive", required=True, metavar="DIR", help="archive folder")
    parser.add_argument("--model", help="model name or package folder (default: the archive's)")
    parser.add_argument(
        "--bands",
        help="raster bands feeding the model's bands, in the model's order: 1-based numbers or "
        "band names, comma separated (e.g. 4,3,2)",
    )
    parser.add_argument(
        "--band-names",
        help="names of the raster's bands in file order, comma separated, or a preset "
        "(eurosat-13, sentinel2-13, sentinel2-12, rgb, bgr)",
    )
    parser.add_argument(
        "--quality",
        type=int,
        help="the model's rate point, 1 = fewest bits (`scicbir model list` shows each point's "
        "bpp and PSNR; default: the archive's, or the model's default point)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="encoding processes (default: 2 on a multi-core machine for jobs of 64+ tiles, else 1)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="encode on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N "
        "worker processes on this machine (loopback only); this process still reads the rasters "
        "and writes the archive (docs/cluster.md)",
    )
    parser.add_argument("--batch-size", type=int, help="tiles per encoding batch (default 8)")
    parser.add_argument(
        "--no-psnr", action="store_true", help="skip decoding each tile to measure its PSNR"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.archive.requests import CompressRequest, run_compress
    from scicbir.errors import UserFacingError

    given = {
        "bands": [b.strip() for b in args.bands.split(",")] if args.bands else None,
        "band_names": args.band_names,
        "workers": args.workers,
        "batch_size": args.batch_size,
        "quality": args.quality,
        "cluster": args.cluster,
    }
    request = CompressRequest(
        input=str(args.src),
        archive=str(args.archive),
        model=args.model,
        psnr=not args.no_psnr,
        **{k: v for k, v in given.items() if v is not None},  # else the request's defaults
    )
    try:
        with ProgressBar("compress", disable=args.quiet) as bar:
            summary = run_compress(request, progress=bar)
    except UserFacingError as exc:
        # A stop of the whole batch (e.g. disk full) still reports what was done before it.
        done = getattr(exc, "summary", None)
        if args.json and done is not None:
            data = done.as_dict() | {"ok": False}
            data["error"] = {"code": exc.code, "message": str(exc), "data": exc.data}
            print(json.dumps(data, indent=2))
        raise
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        data = summary.as_dict()
        print(
            f"{data['added']} added, {data['replaced']} replaced, {data['unchanged']} unchanged, "
            f"{data['failed']} failed; {summary.tiles} tiles in {summary.seconds:.1f} s "
            f"({data['tiles_per_s']:.1f} tiles/s); archive {summary.archive}"
        )
        for source in summary.sources:
            for note in source.warnings:
                print(f"warning: {note}", file=sys.stderr)
    for source in summary.failed:
        print(f"failed: {source.error}", file=sys.stderr)
    return 0 if summary.ok else 1
