"""``scicbir archive info|verify|recover|rehash|stac DIR``: what an archive holds, is it intact.

``info``: what it holds and how small it is. ``verify``: catalog integrity, every pack's length
and record checksums, the index against the catalog (exit 0 healthy, 1 damaged); read-only.
``recover``: a new catalog from what is intact (the damaged catalog's readable rows, the packs'
metadata records), every pack byte kept (docs/archive-format.md). ``stac``: the archive as a
static STAC catalog, written again incrementally (docs/stac.md); read-only on the archive.
"""

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
    verify = actions.add_parser(
        "verify",
        help="check catalog, packs, records and index; exit 0 healthy, 1 damaged",
        description="Read-only: SQLite integrity check of catalog.gpkg, every pack's length "
        "against the catalog, every tile record's CRC, index.faiss against the catalog's codes "
        "and checksum. Exit status 0 when healthy, 1 when anything is damaged.",
    )
    verify.add_argument("archive", metavar="DIR", help="archive folder")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(func=run_verify)
    recover = actions.add_parser(
        "recover",
        help="rebuild a lost or damaged catalog from what is intact, keeping every pack byte",
        description="Keeps every row of the damaged catalog that can still be read and whose "
        "records pass their CRC, and rebuilds the sources it lost (or a lost catalog as a "
        "whole) from the metadata records the packs hold since archive format 2: same tile "
        "ids, codes and offsets. Sources that still lack tiles are marked so that the next "
        "compress re-encodes them; the damaged catalog is kept as catalog.gpkg.damaged-TIME; "
        "the index is rebuilt. Records written before format 2 hold only bitstreams: tiles no "
        "surviving row describes cannot be rebuilt from them.",
    )
    recover.add_argument("archive", metavar="DIR", help="archive folder")
    recover.add_argument("--json", action="store_true", help="print the report as JSON")
    recover.set_defaults(func=run_recover)
    rehash = actions.add_parser(
        "rehash",
        help="give the archive the codes of another model with the same codec",
        description="Decodes every tile and hashes it with MODEL, then replaces every code and "
        "the archive's model in one transaction (a kill before it changes nothing). MODEL must "
        "share the archive model's codec: a package made by 'scicbir train --archive DIR "
        "--self-supervised' from it, or the original model to go back to its codes.",
    )
    rehash.add_argument("archive", metavar="DIR", help="archive folder")
    rehash.add_argument("--model", required=True, help="model package folder or name")
    rehash.add_argument("--json", action="store_true", help="print the summary as JSON")
    rehash.set_defaults(func=run_rehash)
    stac = actions.add_parser(
        "stac",
        help="write the archive as a static STAC catalog (again: only what changed)",
        description="One STAC Collection for the archive and one Item per source raster "
        "(footprint, CRS and grid, acquisition time, tiles, bpp, PSNR, the packs and catalog "
        "as assets), checked against the bundled STAC schemas. Run again after compressing "
        "more sources: new Items are added, changed ones rewritten, Items of removed sources "
        "deleted, unchanged files left as they are. The archive is only read (docs/stac.md).",
    )
    stac.add_argument("archive", metavar="DIR", help="archive folder")
    stac.add_argument("-o", "--output", required=True, metavar="FOLDER", help="STAC folder")
    stac.add_argument(
        "--license",
        metavar="SPDX",
        help="the sources' licence (default: from their metadata, else 'other')",
    )
    stac.add_argument("--title", help="the Collection's title")
    stac.add_argument("--json", action="store_true", help="print the summary as JSON")
    stac.set_defaults(func=run_stac)


def run_stac(args: argparse.Namespace) -> int:
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.stac.export import run_stac_export
    from scicbir.stac.requests import StacExportRequest

    request = StacExportRequest(
        archive=args.archive, out=args.output, license=args.license, title=args.title
    )
    with ProgressBar("source", disable=args.json) as bar:
        answer = run_stac_export(request, progress=bar)
    if args.json:
        print(json.dumps(answer.as_dict(), indent=2))
        return 0
    print(f"{answer.collection}: {answer.items} items")
    print(
        f"  added {len(answer.added)}, updated {len(answer.updated)}, removed "
        f"{len(answer.removed)}, unchanged {answer.unchanged}; collection "
        f"{'written' if answer.collection_changed else 'unchanged'}"
    )
    print(f"  {answer.validated} objects valid against the bundled STAC schemas")
    return 0


def run_rehash(args: argparse.Namespace) -> int:
    from scicbir.archive.progress_bar import ProgressBar
    from scicbir.archive.rehash import rehash_archive
    from scicbir.models import resolve_model

    package = resolve_model(args.model)
    with ProgressBar("tile", disable=args.json) as bar:
        summary = rehash_archive(args.archive, package, progress=bar)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(
            f"{summary.archive}: {summary.tiles} tiles re-hashed with '{summary.model}' "
            f"(was '{summary.previous_model}') in {summary.seconds:.1f} s"
        )
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from scicbir.archive.verify import verify_archive

    report = verify_archive(args.archive)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['archive']}: {'healthy' if report['ok'] else 'DAMAGED'}")
        tiles = report["tiles"]
        print(f"  tiles checked: {tiles['checked']}, damaged: {tiles['damaged']}")
        print(f"  index: {report['index']['state']}")
        for problem in report["problems"]:
            print(f"  problem: {problem}")
        for note in report["notes"]:
            print(f"  note: {note}")
        if not report["ok"]:
            print(
                f"  to recover: restore the damaged file from a backup, or run 'scicbir archive "
                f"recover {args.archive}' (docs/archive-format.md, 'Recovery')"
            )
    return 0 if report["ok"] else 1


def run_recover(args: argparse.Namespace) -> int:
    from scicbir.archive.recover import recover_archive

    report = recover_archive(args.archive)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    if not report["recovered"]:
        print(f"{report['archive']}: {report['message']}")
        return 0
    print(f"{report['archive']}: new catalog written")
    if report["damaged_catalog_kept_as"]:
        print(f"  damaged catalog kept as {report['damaged_catalog_kept_as']}")
    print(f"  sources: {report['sources']}, tiles: {report['tiles']}")
    rebuilt = report["sources_rebuilt_from_packs"]
    if rebuilt:
        print(f"  rebuilt from the packs' metadata records: {len(rebuilt)} source(s)")
    for path, why in report["sources_not_rebuilt"].items():
        print(f"  not rebuilt: {path}: {why}; compress it again")
    for problem in report["metadata_records"]["damaged"]:
        print(f"  damaged metadata record: {problem}")
    lost = report["tiles_with_damaged_records"] + report["tiles_without_source_row"]
    if lost:
        print(f"  tiles left out: {lost} (damaged records or lost source rows)")
    for path in report["sources_to_compress_again"]:
        print(f"  compress again: {path}")
    if report["index"].startswith("not rebuilt"):
        print(f"  index: {report['index']}")
    records = report["unreferenced_records"]
    if records["records"]:
        print(
            f"  {records['records']} pack records ({records['bytes']} bytes) are not described "
            "by any surviving row and cannot become tiles again; they stay in the packs"
        )
        print(f"  why: {report['not_recoverable']}")
    if not report["model_recorded"]:
        print(
            "  the model is not recorded any more: the next compress records the one it is given "
            "(use the model that made the archive)"
        )
    return 0


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
    for problem in info["damage"]:
        print(f"{'DAMAGED':>13}: {problem}")
    if info["damage"]:
        print(f"{'':>13}  run 'scicbir archive verify {args.archive}' for the full report")
        return 1
    return 0
