"""Throughput and peak memory of ``scicbir compress`` on a large raster, against JPEG 2000.

A large raster (``--size`` pixels a side, 3 bands uint16, tiled GeoTIFF in the Landsat crop's
CRS) is mosaicked from the real Landsat crop in ``tests/data`` (mirrored copies, so tiles are
real imagery, not noise), or taken from ``--raster``. Then, in the same run on the same file:

- ``scicbir compress`` with ``--workers 1`` and ``--workers 2`` (fresh archive each time), with
  and without the per-tile PSNR decode: wall time, tiles/s, MB/s of source pixels, peak RSS of
  the process tree, archive bytes;
- ``gdal_translate -of JP2OpenJPEG`` (lossy, ``QUALITY`` chosen to land near the archive's
  rate) and the lossless default: wall time, MB/s, peak RSS, bytes.

Peak memory is each child's ``VmHWM`` (and the sum over its pool workers), polled from /proc;
``job_seconds`` is the compress job's own time (without interpreter start and imports). Figures
depend on the machine and its load: the script prints the CPU count and load average it ran
with.

Run: ``.venv/bin/python benchmarks/bench_archive.py [--size 10000] [--model PATH] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "tests" / "data" / "landsat" / "landsat8_224078_crop.tif"


def make_mosaic(path: Path, size: int, sample: Path = SAMPLE) -> Path:
    """A ``size`` x ``size`` raster tiled from mirrored copies of ``sample`` (bounded memory)."""
    import rasterio
    from affine import Affine

    with rasterio.open(sample) as src:
        block = src.read()
        profile = src.profile
        t = src.transform
        descriptions = src.descriptions
    _, h, w = block.shape
    variants = [block, block[:, :, ::-1], block[:, ::-1, :], block[:, ::-1, ::-1]]
    profile.update(
        width=size,
        height=size,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress=None,
        transform=Affine(t.a, t.b, t.c, t.d, t.e, t.f),
    )
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, size, h):
            for c in range(0, size, w):
                piece = variants[((r // h) % 2) * 2 + (c // w) % 2]
                ph, pw = min(h, size - r), min(w, size - c)
                dst.write(piece[:, :ph, :pw], window=rasterio.windows.Window(c, r, pw, ph))
        for k, name in enumerate(descriptions, start=1):
            if name:
                dst.set_band_description(k, name)
    return path


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measured(command: list[str], env: dict | None = None, limit: float | None = None) -> dict:
    """Run ``command``: wall seconds, peak RSS of the main process and of the process tree.

    Peak RSS is read from ``VmHWM`` in /proc every 0.1 s (``ru_maxrss`` would include the RSS
    the child inherited from this process before ``exec``); the tree figure is the largest sum
    seen over the process and its pool workers.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    main_peak = tree_peak = 0.0
    stopped = False
    while process.poll() is None:
        if limit is not None and time.perf_counter() - start > limit:
            for pid in reversed(_tree(process.pid)):
                try:
                    os.kill(pid, 15)
                except ProcessLookupError:
                    pass
            stopped = True
            process.wait()
            break
        pids = _tree(process.pid)
        main_peak = max(main_peak, _hwm_mib(process.pid))
        tree_peak = max(tree_peak, sum(_hwm_mib(p) for p in pids))
        time.sleep(0.1)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    return {
        "stopped_at_limit": stopped,
        "seconds": wall,
        "peak_rss_mib": main_peak,
        "peak_rss_tree_mib": tree_peak,
        "rc": process.returncode,
        "stdout": out.decode(),
        "stderr": err.decode()[-2000:],
    }


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=4096, help="side of the mosaic (pixels)")
    parser.add_argument("--raster", type=Path, help="use this raster instead of a mosaic")
    parser.add_argument("--model", help="model package (default: random RGB, N=M=64, tile 64)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--limit",
        type=float,
        help="stop each compress run after this many seconds (peak memory on huge rasters)",
    )
    parser.add_argument("--psnr", choices=["both", "on", "off"], default="both")
    args = parser.parse_args(argv)

    python = sys.executable
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        tmp = Path(tmp)
        if args.raster:
            raster = args.raster
        else:
            raster = make_mosaic(tmp / "mosaic.tif", args.size)
        model = args.model
        if model is None:
            from scicbir.models.testing import make_random_package

            model = str(
                make_random_package(
                    tmp / "model", bands=3, tile_size=64, N=64, M=64, hash_bits=64
                ).path
            )
        import rasterio

        with rasterio.open(raster) as ds:
            raw = ds.width * ds.height * ds.count * np.dtype(ds.dtypes[0]).itemsize
            shape = (ds.width, ds.height, ds.count, ds.dtypes[0])
        figures: dict[str, object] = {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "raster": {
                "path": str(raster),
                "width": shape[0],
                "height": shape[1],
                "bands": shape[2],
                "dtype": shape[3],
                "raw_mb": raw / 1e6,
            },
            "runs": [],
        }
        print(
            f"raster {shape[0]}x{shape[1]}x{shape[2]} {shape[3]} ({raw / 1e6:.0f} MB raw), "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
            flush=True,
        )

        for psnr in {"both": (False, True), "on": (True,), "off": (False,)}[args.psnr]:
            for workers in args.workers:
                archive = tmp / f"archive-w{workers}-{'psnr' if psnr else 'nopsnr'}"
                command = [
                    python,
                    "-m",
                    "scicbir",
                    "compress",
                    str(raster),
                    "--archive",
                    str(archive),
                    "--model",
                    model,
                    "--workers",
                    str(workers),
                    "--quiet",
                    "--json",
                ]
                if not psnr:
                    command.append("--no-psnr")
                result = measured(command, env, args.limit)
                info = json.loads(
                    subprocess.run(
                        [python, "-m", "scicbir", "archive", "info", str(archive), "--json"],
                        capture_output=True,
                        text=True,
                        env=env,
                    ).stdout
                    or "{}"
                )
                tiles = info.get("tiles", 0)
                try:
                    inner = json.loads(result["stdout"])["seconds"]
                except (ValueError, KeyError):
                    print(result["stdout"][:2000], result["stderr"], file=sys.stderr)
                    inner = float("nan")
                row = {
                    "stopped_at_limit": result["stopped_at_limit"],
                    "tool": f"scicbir compress --workers {workers}"
                    + ("" if psnr else " --no-psnr"),
                    "seconds": result["seconds"],
                    "rc": result["rc"],
                    "tiles": tiles,
                    "tiles_per_s": tiles / result["seconds"],
                    "source_mb_per_s": raw / 1e6 / result["seconds"],
                    "job_seconds": inner,
                    "job_tiles_per_s": tiles / inner,
                    "peak_rss_mib": result["peak_rss_mib"],
                    "peak_rss_tree_mib": result["peak_rss_tree_mib"],
                    "output_bytes": folder_bytes(archive),
                    "mean_bpp": info.get("mean_bpp"),
                    "ratio": info.get("compression_ratio"),
                }
                figures["runs"].append(row)
                print(json.dumps(row), flush=True)
                if result["rc"] != 0:
                    print(result["stderr"], file=sys.stderr)

        for label, options in (
            ("JP2OpenJPEG lossless", []),
            ("JP2OpenJPEG QUALITY=5", ["-co", "QUALITY=5", "-co", "REVERSIBLE=NO"]),
        ):
            out = tmp / "out.jp2"
            command = [
                "gdal_translate",
                "-q",
                "-of",
                "JP2OpenJPEG",
                *options,
                str(raster),
                str(out),
            ]
            result = measured(command)
            row = {
                "tool": f"gdal_translate {label}",
                "seconds": result["seconds"],
                "rc": result["rc"],
                "source_mb_per_s": raw / 1e6 / result["seconds"],
                "peak_rss_mib": result["peak_rss_mib"],
                "output_bytes": out.stat().st_size if out.exists() else None,
                "ratio": raw / out.stat().st_size if out.exists() else None,
            }
            figures["runs"].append(row)
            print(json.dumps(row), flush=True)
            out.unlink(missing_ok=True)
        figures["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
