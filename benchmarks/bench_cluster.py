"""Compress one raster three ways: in one process, with the process pool, on a Dask cluster.

The same mosaic (``bench_archive.make_mosaic``, mirrored copies of the real Landsat crop) is
compressed by ``scicbir compress`` with ``--workers 1``, ``--workers 2`` and ``--cluster
local:2`` (two single-threaded Dask worker processes started by the command), each into a fresh
archive, with the same model and options. Per run: wall time (interpreter start and cluster
start-up included), the job's own seconds, tiles/s, and the peak RSS of the main process and of
the whole process tree (``bench_archive.measured``: ``VmHWM`` from /proc). The three archives
must hold the same streams (checked; the script fails otherwise).

Run: ``.venv/bin/python benchmarks/bench_cluster.py [--size 1024] [--model PATH] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_archive import make_mosaic, measured  # noqa: E402
from benchmarks.machine import describe  # noqa: E402

#: (label, extra options of ``scicbir compress``) of the three runs.
RUNS = (
    ("single process (--workers 1)", ["--workers", "1"]),
    ("process pool (--workers 2)", ["--workers", "2"]),
    ("Dask LocalCluster (--cluster local:2)", ["--cluster", "local:2"]),
)


def streams(archive: Path) -> dict[tuple[int, int], bytes]:
    """Each tile's bitstream by its (col, row): what must not depend on where it was coded."""
    from scicbir.archive import Archive

    with Archive.open(archive, read_only=True) as opened:
        return {(t.col, t.row): opened.read_stream(t) for t in opened.tiles()}


def run(raster: Path, model: str, archive: Path, options: list[str], psnr: bool) -> dict:
    command = [
        *(sys.executable, "-m", "scicbir", "compress", str(raster), "--archive", str(archive)),
        *("--model", model, *options, "--quiet", "--json"),
    ]
    if not psnr:
        command.append("--no-psnr")
    result = measured(command, dict(os.environ))
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result['stderr']}")
    summary = json.loads(result["stdout"])
    return {
        "command": "scicbir compress " + " ".join(options) + ("" if psnr else " --no-psnr"),
        "seconds": round(result["seconds"], 1),
        "job_seconds": round(summary["seconds"], 1),
        "tiles": summary["tiles"],
        "tiles_per_s": round(summary["tiles"] / result["seconds"], 2),
        "job_tiles_per_s": round(summary["tiles"] / summary["seconds"], 2),
        "peak_rss_main_mib": round(result["peak_rss_mib"]),
        "peak_rss_tree_mib": round(result["peak_rss_tree_mib"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="side of the mosaic (pixels)")
    parser.add_argument("--model", help="model package (default: random RGB, N=M=64, tile 64)")
    parser.add_argument("--psnr", action="store_true", help="also decode each tile for PSNR")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        raster = make_mosaic(tmp / "mosaic.tif", args.size)
        model = args.model
        if model is None:
            from scicbir.models.testing import make_random_package

            package = make_random_package(
                tmp / "model", bands=3, tile_size=64, N=64, M=64, hash_bits=64
            )
            model = str(package.path)
        figures = {
            "machine": describe(),
            "load_average_at_start": os.getloadavg(),
            "raster": f"{args.size} x {args.size} x 3 uint16 Landsat mosaic",
            "runs": [],
        }
        print(f"{figures['raster']}, load {os.getloadavg()[0]:.1f}", flush=True)
        reference = None
        for k, (label, options) in enumerate(RUNS):
            archive = tmp / f"archive-{k}"
            row = {"run": label} | run(raster, model, archive, options, args.psnr)
            coded = streams(archive)
            reference = coded if reference is None else reference
            row["same_streams_as_single_process"] = coded == reference
            figures["runs"].append(row)
            print(json.dumps(row), flush=True)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        if not all(r["same_streams_as_single_process"] for r in figures["runs"]):
            print("the archives differ", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
