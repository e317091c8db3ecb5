"""``scicbir model list|info|export-onnx``: the model packages the engine can use."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("model", help="list, describe and export model packages")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION")
    ls = sub.add_parser("list", help="model packages found (resources, $SCICBIR_MODEL_PATH, user)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)
    info = sub.add_parser("info", help="config, checksum, exports and card of one model")
    info.add_argument("model", help="model name or package folder")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=run_info)
    export = sub.add_parser(
        "export-onnx",
        help="export the analysis transform + hash head to ONNX inside the package",
        description="Write analysis.onnx into the package folder (checked against torch) so that "
        "encoding and hashing use onnxruntime on the CPU.",
    )
    export.add_argument("model", help="model name or package folder (must be writable)")
    export.set_defaults(func=run_export)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_list(args: argparse.Namespace) -> int:
    from scicbir.models.registry import list_models, search_dirs

    models = [m.summary() for m in list_models()]
    if args.json:
        print(json.dumps(models, indent=2))
        return 0
    if not models:
        print("no model packages in: " + ", ".join(str(d) for d in search_dirs()))
    for m in models:
        onnx = " onnx" if m["onnx"] else ""
        print(
            f"{m['name']}: {len(m['bands'])} bands, tile {m['tile_size']}, N={m['N']}, "
            f"{m['hash_bits']} bits{onnx}  ({m['path']})"
        )
    return 0


def run_info(args: argparse.Namespace) -> int:
    from scicbir.models.registry import resolve_model

    package = resolve_model(args.model)
    data = dict(package.summary(), config=package.config.to_dict(), card=package.card)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for key, value in package.summary().items():
        print(f"{key:>14}: {value}")
    print()
    print(package.card)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.registry import resolve_model

    package = resolve_model(args.model)
    path = export_analysis(package)
    print(f"wrote {path}")
    return 0
