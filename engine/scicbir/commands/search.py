"""``scicbir search --archive DIR ...``: the archive tiles most similar to a region, raster or tile."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="find the archive tiles most similar to a region of a raster, a raster or a tile",
        description="The region (--bbox or --geometry, in --crs or the raster's CRS) is cut "
        "into the model's tiles, each tile is hashed and the archive's index searched; the "
        "tiles' answers are merged into one ranking (smallest Hamming distance to any query "
        "tile; ties by the continuous hash outputs, then by tile id). Without a region the "
        "whole raster is the query; --tile queries with an archive tile. Tiles of the query's "
        "own area are left out when the raster is in the archive (--include-self keeps them).",
    )
    parser.add_argument("--archive", required=True, metavar="DIR", help="archive folder")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--raster", metavar="PATH", help="raster to take the query from")
    what.add_argument("--tile", type=int, metavar="ID", help="archive tile id as the query")
    region = parser.add_mutually_exclusive_group()
    region.add_argument(
        "--bbox",
        nargs=4,
        type=float,
        metavar=("MINX", "MINY", "MAXX", "MAXY"),
        help="region as a box (in --crs, default the raster's CRS)",
    )
    region.add_argument(
        "--geometry",
        metavar="WKT|GEOJSON|FILE",
        help="region as WKT, GeoJSON, or a .wkt/.geojson/.json file holding one",
    )
    parser.add_argument("--crs", help="CRS of the region (EPSG:4326, a PROJ string or WKT)")
    parser.add_argument("-k", type=int, help="number of results (default 20)")
    parser.add_argument(
        "--out",
        metavar="RESULTS.gpkg",
        help="write the results with their footprints and the query here: a GeoPackage, or "
        "GeoJSON when the name ends in .geojson",
    )
    parser.add_argument("--decode", metavar="DIR", help="decode each result tile to a GeoTIFF here")
    parser.add_argument(
        "--include-self",
        action="store_true",
        help="keep the archive tiles of the query's own area (left out by default)",
    )
    parser.add_argument(
        "--bands",
        help="raster bands feeding the model's bands, in the model's order (as for compress)",
    )
    parser.add_argument(
        "--band-names", help="names of the raster's bands in file order, or a preset"
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "onnx", "torch"),
        default="auto",
        help="how query tiles are hashed (auto: ONNX when the model has an export)",
    )
    parser.add_argument(
        "--relevant",
        metavar="IDS",
        help="relevance feedback: archive tile ids (comma-separated) that are what you meant; "
        "the whole archive is re-ranked from them (with --irrelevant)",
    )
    parser.add_argument(
        "--irrelevant",
        metavar="IDS",
        help="relevance feedback: archive tile ids (comma-separated) that are not what you meant",
    )
    parser.add_argument(
        "--feedback-method",
        choices=("rocchio", "logistic"),
        default="logistic",
        help="linear model of the feedback on the stored hash logits (default logistic)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def _geometry(value: str | None) -> str | None:
    """A region given as a file name is read from the file."""
    if value is None:
        return None
    text = value.strip()
    if text and text[0] not in "{[" and "(" not in text:
        path = Path(text)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return value


def _ids(value: str | None, option: str) -> list[int]:
    """Tile ids from ``--relevant 3,5,8``; a wrong entry is named."""
    from scicbir.errors import InputError

    ids = []
    for part in (value or "").replace(" ", ",").split(","):
        if not part:
            continue
        try:
            ids.append(int(part))
        except ValueError:
            raise InputError(f"{option}: '{part}' is not a tile id; give ids like 3,5,8") from None
    return ids


def request_of(args: argparse.Namespace):
    """The ``SearchRequest`` of the command line (its defaults are the request's)."""
    from scicbir.search.request import SearchRequest

    return SearchRequest(
        archive=args.archive,
        raster=args.raster,
        bbox=args.bbox,
        geometry=_geometry(args.geometry),
        crs=args.crs,
        tile=args.tile,
        **({"k": args.k} if args.k is not None else {}),  # else the request's default
        exclude_self=not args.include_self,
        out=args.out,
        decode=args.decode,
        bands=[b.strip() for b in args.bands.split(",")] if args.bands else None,
        band_names=args.band_names,
        backend=args.backend,
        relevant=_ids(args.relevant, "--relevant"),
        irrelevant=_ids(args.irrelevant, "--irrelevant"),
        feedback_method=args.feedback_method,
    )


def run(args: argparse.Namespace) -> int:
    from scicbir.search.api import run_search

    result = run_search(request_of(args))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    what = f"tile {result.tile_id}" if result.kind == "tile" else result.raster
    print(
        f"{len(result.query_tiles)} query tile(s) from {what}; {result.bits}-bit codes; "
        f"{result.excluded} own tile(s) left out; hashed with {result.backend}"
    )
    if result.feedback:
        fb = result.feedback
        print(
            f"refined by relevance feedback ({fb['method']}): {len(fb['relevant'])} relevant, "
            f"{len(fb['irrelevant'])} not relevant"
        )
    print(f"{'rank':>4} {'tile':>7} {'dist':>4} {'simil':>6}  window (col,row,w,h)  source")
    for h in result.hits:
        window = f"{h.col},{h.row},{h.width},{h.height}"
        print(
            f"{h.rank:>4} {h.tile_id:>7} {h.distance:>4} {h.similarity:>6.3f}  "
            f"{window:<20}  {h.source}"
            + (f"  -> {h.decoded}" if h.decoded else "")
            + ("  DAMAGED (cannot be decoded)" if h.damaged else "")
        )
    timings = ", ".join(f"{k[:-3]} {v:.1f} ms" for k, v in result.timings_ms.items())
    print(f"time: {timings}", file=sys.stderr)
    if args.out:
        print(f"results: {args.out}")
    return 0
