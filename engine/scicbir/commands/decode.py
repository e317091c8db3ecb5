"""``scicbir decode --archive DIR (--tile ID | --source PATH) -o OUT.tif``: tiles back to GeoTIFF."""

from __future__ import annotations

import argparse
import sys
import warnings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "decode",
        help="decode an archive tile or a whole source raster to a GeoTIFF",
        description="Write a GeoTIFF (Cloud Optimized) with the source's CRS, transform, band "
        "order, dtype and nodata. A whole source is written even when some of its tiles are "
        "damaged: they are left as nodata, listed on stderr, and the exit status is 1.",
    )
    parser.add_argument("--archive", required=True, metavar="DIR", help="archive folder")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--tile", type=int, metavar="ID", help="tile id (catalog fid)")
    what.add_argument("--source", metavar="PATH", help="source raster path as compressed")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.tif", help="GeoTIFF to write")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from scicbir.archive.decode import DamagedTilesWarning
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.archive.requests import DecodeRequest, run_decode

    if args.tile is not None:
        request = DecodeRequest(archive=args.archive, tiles=(args.tile,), out=str(args.output))
    else:
        request = DecodeRequest(archive=args.archive, source=args.source, out=str(args.output))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedTilesWarning)  # reported below
        with ProgressBar("decode", disable=args.quiet or args.tile is not None) as bar:
            result = run_decode(request, progress=bar)
    path = result.path or result.files[0]["path"]
    damaged = result.damaged_tiles
    print(path)
    if damaged:
        print(
            f"scicbir decode: warning: {len(damaged)} damaged tile(s) left as nodata (tile ids "
            f"{', '.join(map(str, damaged))}); run 'scicbir archive verify {args.archive}'",
            file=sys.stderr,
        )
        return 1
    return 0
