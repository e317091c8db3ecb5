"""``scicbir codec roundtrip RASTER --model M``: encode, decode and measure every tile."""

from __future__ import annotations

import argparse
import json
import math


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("codec", help="run the learned codec on a raster")
    sub = parser.add_subparsers(dest="codec_command", metavar="ACTION")
    rt = sub.add_parser(
        "roundtrip",
        help="encode every tile of a raster, decode it, report bpp/PSNR/SSIM/SA/time",
        description="Cut RASTER (a file, or a folder of one file per band such as a "
        "BigEarthNet-S2 patch) on the model's tile grid, encode each tile into a real "
        "bitstream, decode it and print rate and quality per tile and their mean.",
    )
    rt.add_argument("raster", help="raster file or band-file folder")
    rt.add_argument("--model", help="model name or package folder (default: one for its bands)")
    rt.add_argument("--bands", help="raster bands for the model's bands, comma separated")
    rt.add_argument("--band-names", help="names of the raster's bands in file order, or a preset")
    rt.add_argument(
        "--backend", choices=("auto", "torch", "onnx"), default="auto", help="analysis backend"
    )
    rt.add_argument("--batch-size", type=int, default=16, help="tiles per batch (default 16)")
    rt.add_argument("--max-tiles", type=int, help="stop after this many tiles")
    rt.add_argument("--json", action="store_true", help="print JSON")
    rt.set_defaults(func=run_roundtrip)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_roundtrip(args: argparse.Namespace) -> int:
    from scicbir.codec.roundtrip import roundtrip_raster

    report = roundtrip_raster(
        args.raster,
        args.model,
        bands=[b.strip() for b in args.bands.split(",")] if args.bands else None,
        band_names=args.band_names,
        backend=args.backend,
        batch_size=args.batch_size,
        max_tiles=args.max_tiles,
    )
    if args.json:
        print(json.dumps(_finite(report), indent=2))
        return 0
    print(f"{report['raster']}: model {report['model']} ({report['backend']})")
    print(
        f"{'col':>6} {'row':>6} {'bpp':>7} {'PSNR':>7} {'SSIM':>6} {'SA':>7} {'enc s':>7} {'dec s':>7}"
    )
    for r in report["tiles"] + [dict(report["mean"], col="mean", row="")]:
        print(
            f"{r['col']:>6} {r['row']:>6} {r['bpp']:7.3f} {r['psnr']:7.2f} {r['ssim']:6.3f} "
            f"{r['sa']:7.4f} {r['encode_s']:7.3f} {r['decode_s']:7.3f}"
        )
    return 0


def _finite(value):
    """JSON has no inf/NaN: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
