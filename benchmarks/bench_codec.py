"""Codec throughput: SCI-CBIR encode/decode (torch and onnxruntime) beside OpenJPEG JPEG 2000.

For 120x120 tiles with 3 bands (NEON RGB aerial image) and 12 bands (the two BigEarthNet-S2
patches, 20 m / 60 m bands cubic-upsampled), all from ``tests/data``, flipped and rotated to make
``--tiles`` distinct tiles per band count. Models are randomly initialised packages of the
compact default size (``--N``, ``--M``; a random network codes exactly like a trained one, only
its rate differs) with their ONNX export, unless ``--model3``/``--model12`` name real packages.

Measured in one run on the same tiles, on ``--threads`` threads (default 2):

- encode tiles/s for batch sizes 1/16/64, analysis in torch and in onnxruntime, split into
  transforms (batched) and entropy coding (per tile);
- decode tiles/s for the same batch sizes: synthesis in onnxruntime, in torch float64 (the
  torch path's bit-identical mode) and in torch float32;
- OpenJPEG (JPEG 2000 through rasterio/GDAL) encode and decode tiles/s of the same tiles in
  their source dtype at ``--j2k-quality`` percent, one tile at a time;
- the bpp of both (ours from a random model: a rate figure only for trained models).

Run: ``.venv/bin/python benchmarks/bench_codec.py [--tiles 64] [--json OUT]``. The machine block
(CPU, cores, load average before and after) is printed first: figures from a loaded machine are
lower bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "engine"))
sys.path.insert(0, str(REPO))


def _set_threads(threads: int) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GDAL_NUM_THREADS"):
        os.environ[var] = str(threads)


def load_tiles(bands: int, count: int):
    """``count`` distinct 120x120 tiles in their source dtype: (count, bands, 120, 120)."""
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling

    data = REPO / "tests" / "data"
    base = []
    if bands == 12:
        order = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11"]
        order.append("B12")
        for folder in sorted(p for p in (data / "bigearthnet").iterdir() if p.is_dir()):
            stack = []
            for band in order:
                (path,) = folder.glob(f"*_{band}.tif")
                with rasterio.open(path) as ds:
                    stack.append(ds.read(1, out_shape=(120, 120), resampling=Resampling.cubic))
            base.append(np.stack(stack))
    else:
        with rasterio.open(data / "rgb" / "neon_OSBS_029.tif") as ds:
            image = ds.read()
        for r in range(0, 360, 120):
            for c in range(0, 360, 120):
                base.append(image[:, r : r + 120, c : c + 120])
    tiles = []
    k = 0
    while len(tiles) < count:
        tile = base[k % len(base)]
        variant = k // len(base)
        tile = np.rot90(tile, variant % 4, axes=(1, 2))
        if (variant // 4) % 2:
            tile = tile[:, ::-1]
        tiles.append(np.ascontiguousarray(tile))
        k += 1
    return np.stack(tiles)


def make_model(bands: int, N: int, M: int, where: Path):
    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.package import ModelPackage
    from scicbir.models.testing import make_random_package

    package = make_random_package(where / f"bench-{bands}", bands=bands, tile_size=120, N=N, M=M)
    export_analysis(package)
    return ModelPackage.load(package.path)


def bench_ours(package, tiles, batch_sizes, repeats: int = 1) -> list[dict]:
    from scicbir.codec.codec import TileCodec

    rows = []
    for backend in ("torch", "onnx"):
        for batch in batch_sizes:
            codec = TileCodec(package, backend=backend, batch_size=batch)
            x = codec.normalisation.forward(tiles)
            codec.encode(x[: min(batch, 2)])  # warm-up (first-call allocations, kernels)
            codec.timings.transforms = codec.timings.entropy = 0.0
            start = time.perf_counter()
            for _ in range(repeats):
                encoded = codec.encode(x)
            seconds = (time.perf_counter() - start) / repeats
            n = len(tiles)
            rows.append(
                {
                    "codec": "sci-cbir",
                    "op": "encode",
                    "backend": backend,
                    "batch": batch,
                    "tiles_per_s": n / seconds,
                    "transforms_s_per_tile": codec.timings.transforms / repeats / n,
                    "entropy_s_per_tile": codec.timings.entropy / repeats / n,
                    "bpp": sum(e.bpp for e in encoded) / n,
                }
            )
            print(_line(rows[-1]), flush=True)
    streams = [e.stream for e in encoded]
    variants = (("onnx", True, "onnx"), ("torch", True, "torch-f64-synthesis"))
    variants += (("torch", False, "torch-f32-synthesis"),)
    for backend, exact, label in variants:
        for batch in batch_sizes:
            codec = TileCodec(package, backend=backend, batch_size=batch, exact_synthesis=exact)
            codec.decode_many(streams[: min(batch, 2)])
            codec.timings.transforms = codec.timings.entropy = 0.0
            start = time.perf_counter()
            codec.decode_many(streams)
            seconds = time.perf_counter() - start
            n = len(streams)
            rows.append(
                {
                    "codec": "sci-cbir",
                    "op": "decode",
                    "backend": label,
                    "batch": batch,
                    "tiles_per_s": n / seconds,
                    "transforms_s_per_tile": codec.timings.transforms / n,
                    "entropy_s_per_tile": codec.timings.entropy / n,
                }
            )
            print(_line(rows[-1]), flush=True)
    return rows


def bench_openjpeg(tiles, quality: float) -> list[dict]:
    from benchmarks.peers import jpeg2000

    jpeg2000.decode(jpeg2000.encode(tiles[0], quality))  # warm-up
    start = time.perf_counter()
    streams = [jpeg2000.encode(t, quality) for t in tiles]
    middle = time.perf_counter()
    for s in streams:
        jpeg2000.decode(s)
    end = time.perf_counter()
    n = len(tiles)
    bpp = sum(len(s) * 8 / (t.shape[1] * t.shape[2]) for s, t in zip(streams, tiles, strict=True))
    rows = [
        {
            "codec": "openjpeg",
            "op": "encode",
            "backend": f"quality {quality:g}%",
            "batch": 1,
            "tiles_per_s": n / (middle - start),
            "bpp": bpp / n,
        },
        {
            "codec": "openjpeg",
            "op": "decode",
            "backend": f"quality {quality:g}%",
            "batch": 1,
            "tiles_per_s": n / (end - middle),
        },
    ]
    for row in rows:
        print(_line(row), flush=True)
    return rows


def _line(row: dict) -> str:
    text = f"  {row['codec']:>9} {row['op']:>6} {row['backend']:>20} batch {row['batch']:>3}: "
    text += f"{row['tiles_per_s']:8.2f} tiles/s"
    if "transforms_s_per_tile" in row:
        text += (
            f"  (transforms {row['transforms_s_per_tile'] * 1000:7.1f} ms/tile, "
            f"entropy {row['entropy_s_per_tile'] * 1000:7.1f} ms/tile)"
        )
    if "bpp" in row:
        text += f"  {row['bpp']:.2f} bpp"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiles", type=int, default=64, help="tiles per band count")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--bands", type=int, nargs="+", default=[3, 12], choices=[3, 12])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--N", type=int, default=64)
    parser.add_argument("--M", type=int, default=64)
    parser.add_argument("--model3", help="3-band model package to use instead of a random one")
    parser.add_argument("--model12", help="12-band model package to use instead of a random one")
    parser.add_argument("--j2k-quality", type=float, default=5.0)
    parser.add_argument("--json", help="write all figures to this JSON file")
    args = parser.parse_args(argv)

    _set_threads(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    from benchmarks.machine import describe

    machine = describe()
    machine["load_average_before"] = os.getloadavg()
    print(json.dumps(machine, indent=2))
    results = {"machine": machine, "tiles": args.tiles, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        for bands in args.bands:
            tiles = load_tiles(bands, args.tiles)
            given = args.model3 if bands == 3 else args.model12
            if given:
                from scicbir.models.registry import resolve_model

                package = resolve_model(given, num_bands=bands)
            else:
                package = make_model(bands, args.N, args.M, Path(tmp))
            print(
                f"\n{bands} bands, {len(tiles)} tiles 120x120 {tiles.dtype}, model "
                f"{package.model_id} (N={package.config.N}, M={package.config.M})",
                flush=True,
            )
            rows = bench_ours(package, tiles, args.batch_sizes)
            rows += bench_openjpeg(tiles, args.j2k_quality)
            for row in rows:
                row["bands"] = bands
            results["rows"] += rows
            best = {
                op: max(
                    r["tiles_per_s"] for r in rows if r["codec"] == "sci-cbir" and r["op"] == op
                )
                for op in ("encode", "decode")
            }
            j2k = {r["op"]: r["tiles_per_s"] for r in rows if r["codec"] == "openjpeg"}
            for op in ("encode", "decode"):
                print(f"  best {op}: {best[op] / j2k[op]:.2f} x OpenJPEG's tiles/s")
    machine["load_average_after"] = os.getloadavg()
    print(f"\nload average before {machine['load_average_before']}, after {os.getloadavg()}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
