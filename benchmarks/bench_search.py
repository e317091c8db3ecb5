"""Search latency: the faiss binary index against exhaustive numpy, and a real query split up.

Part 1 (synthetic, for scale): 10^4 .. 10^7 random 64-bit codes in an ``IndexBinaryIDMap`` over
``IndexBinaryFlat`` (the archive's index type). For each size: index memory, then the median and
95th percentile latency of k = 20 queries for a single query tile and for batches of query tiles
(a region), measured three ways in the same run: faiss alone, the engine's exact path (faiss +
tie completion + merge, ``knn.gather_candidates`` + ``merge.merge_min``), and brute-force numpy
(``hamming.brute_force_knn``), the peer. Random codes are the worst case for ties at the cut
only mildly; real codes cluster, which makes ties (and the tie completion) more frequent.

Part 2 (real): an archive is built from the committed samples in ``tests/data`` (Landsat crop,
two RGB scenes) with a model (``--model`` or a random one: RGB, N = M = 64, tile 64, 64 bits,
with its ONNX export). Then: the cold start of a one-shot query in a fresh process (ONNX and
torch hashing; whether torch got imported), the same for a raster the archive holds (stored
codes), and warm region queries (2 x 2 tiles of a raster the archive does not hold) split into
read + hash + search + catalog, with the decode of the 20 results reported apart (the goal
excludes it).

Run: ``.venv/bin/python benchmarks/bench_search.py [--sizes 1e4 1e5 1e6 1e7] [--json OUT]``.
Figures depend on the machine and on its load; the script prints the CPU count it ran with.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: ``benchmarks`` is a package of the repository
from benchmarks.timing import latency_ms, rss_mb  # noqa: E402


def _one_thread(index, queries: np.ndarray, k: int):
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(queries, k)
    finally:
        faiss.omp_set_num_threads(before)


def synthetic(
    sizes: list[int], batches: list[int], k: int, bits: int, seed: int, numpy_max: int
) -> list[dict]:
    import faiss

    from scicbir.search.hamming import brute_force_knn
    from scicbir.search.knn import gather_candidates
    from scicbir.search.merge import merge_min

    rows = []
    rng = np.random.default_rng(seed)
    for n in sizes:
        codes = rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
        ids = np.arange(n, dtype=np.int64)
        rss0 = rss_mb()
        t0 = time.perf_counter()
        index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(bits))
        index.add_with_ids(codes, ids)
        build_s = time.perf_counter() - t0
        index_mb = rss_mb() - rss0
        for nq in batches:
            queries = rng.integers(0, 256, (nq, bits // 8), dtype=np.uint8)
            fast = 30 if n <= 10**6 else 10
            slow = max(3, min(30, int(3e6 // (n * nq))))
            row = {
                "codes": n,
                "bits": bits,
                "query_tiles": nq,
                "k": k,
                "index_build_s": round(build_s, 3),
                "index_rss_mb": round(index_mb, 1),
                "faiss": latency_ms(lambda q=queries, x=index: x.search(q, k), fast),
                "faiss_1_thread": latency_ms(lambda q=queries, x=index: _one_thread(x, q, k), fast),
                "engine_exact": latency_ms(
                    lambda q=queries, x=index: merge_min(gather_candidates(x, q, k), k, bits),
                    fast,
                ),
            }
            if n <= numpy_max:
                rss1 = rss_mb()
                row["numpy_bruteforce"] = latency_ms(
                    lambda q=queries, c=codes, i=ids: brute_force_knn(q, c, i, k), slow
                )
                row["numpy_extra_rss_mb"] = round(max(0.0, rss_mb() - rss1), 1)
            rows.append(row)
            cells = "  ".join(
                f"{name} {row[name]['median_ms']:8.2f} (p95 {row[name]['p95_ms']:8.2f})"
                for name in ("faiss", "faiss_1_thread", "engine_exact", "numpy_bruteforce")
                if name in row
            )
            print(f"n={n:>10,} tiles={nq:>2}  {cells} ms  index {index_mb:6.1f} MB", flush=True)
        del index, codes, ids
    return rows


_COLD = """
import json, sys, time
t0 = time.perf_counter()
from scicbir.search.api import search
r = search(sys.argv[1], raster=sys.argv[2], bbox=[float(v) for v in sys.argv[3:7]], k=20,
           backend=sys.argv[7])
print(json.dumps({"seconds": time.perf_counter() - t0, "torch_imported": "torch" in sys.modules,
                  "backend": r.backend, "timings_ms": r.timings_ms}))
"""


def _crop(src_path: Path, out: Path, row: int, col: int, size: int) -> list[float]:
    import rasterio

    window = ((row, row + size), (col, col + size))
    with rasterio.open(src_path) as src:
        profile = dict(src.profile, width=size, height=size, transform=src.window_transform(window))
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(src.read(window=window))
    with rasterio.open(out) as ds:
        return list(ds.bounds)


def _cold(archive: Path, raster: Path, bbox: list[float], backend: str) -> dict:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _COLD, str(archive), str(raster), *map(str, bbox), backend],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def real(repeats: int, model: str | None, tile_size: int, n: int, bits: int) -> dict:
    """Build an archive from tests/data and time region queries split into stages."""
    import shutil

    from scicbir.archive.compress import CompressOptions, compress_folder
    from scicbir.archive.store import Archive
    from scicbir.models.onnx_export import export_analysis
    from scicbir.models.package import ModelPackage
    from scicbir.models.testing import make_random_package
    from scicbir.search.query import Searcher
    from scicbir.search.results import decode_hits

    data = ROOT / "tests" / "data"
    with tempfile.TemporaryDirectory(prefix="scicbir-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if model:
            package_dir = tmp / "model"
            shutil.copytree(model, package_dir)
        else:
            package_dir = tmp / "model"
            make_random_package(package_dir, bands=3, tile_size=tile_size, N=n, M=n, hash_bits=bits)
        package = ModelPackage.load(package_dir)
        if package.onnx_path("analysis") is None:
            export_analysis(package)
        src = tmp / "src"
        src.mkdir()
        for name in ("landsat/landsat8_224078_crop.tif", "rgb/neon_OSBS_029.tif",
                     "rgb/rmnp-rgb.tif"):  # fmt: skip
            shutil.copy(data / name, src)
        t0 = time.perf_counter()
        summary = compress_folder(
            src, tmp / "archive", str(package_dir), options=CompressOptions(psnr=False)
        )
        compress_s = time.perf_counter() - t0
        side = 2 * package.config.tile_size
        outside = tmp / "query.tif"  # a part of the NEON scene the archive does not hold as such
        bbox = _crop(data / "rgb" / "neon_OSBS_029.tif", outside, 37, 53, side)
        inner = [bbox[0] + 0.5, bbox[1] + 0.5, bbox[2] - 0.5, bbox[3] - 0.5]

        out: dict[str, object] = {
            "model": package.model_id, "tile_size": package.config.tile_size,
            "N": package.config.N, "bits": package.config.hash_bits,
            "archive_tiles": summary.tiles, "compress_s": round(compress_s, 2),
        }  # fmt: skip
        print(
            f"archive: {summary.tiles} tiles in {compress_s:.1f} s; model {package.model_id}",
            flush=True,
        )
        for backend in ("auto", "torch"):
            cold = _cold(tmp / "archive", outside, inner, backend)
            out[f"cold_start_{backend}"] = cold
            print(
                f"cold start ({cold['backend']}): {cold['seconds']:.2f} s, torch imported: "
                f"{cold['torch_imported']}",
                flush=True,
            )
        archived = src / "landsat8_224078_crop.tif"
        with Archive.open(tmp / "archive") as opened:
            tiles = opened.tiles_of_source(str(archived.resolve()))[:4]
        import rasterio

        with rasterio.open(archived) as ds:
            archived_bbox = list(ds.bounds)
        cold = _cold(tmp / "archive", archived, archived_bbox, "auto")
        out["cold_start_archived_raster"] = cold
        print(
            f"cold start, archived raster (stored codes): {cold['seconds']:.2f} s, "
            f"torch imported: {cold['torch_imported']}",
            flush=True,
        )

        searcher = Searcher(tmp / "archive")
        stages: dict[str, list[float]] = {}
        totals = []
        for i in range(repeats + 1):
            t0 = time.perf_counter()
            result = searcher.search_region(outside, bbox=inner, k=20)
            total = (time.perf_counter() - t0) * 1000
            if i == 0:
                out["first_query_ms"] = round(total, 1)  # loads the hasher
                continue
            totals.append(total)
            for key, value in result.timings_ms.items():
                stages.setdefault(key, []).append(value)
        with Archive.open(tmp / "archive") as opened:
            t0 = time.perf_counter()
            decode_hits(result, opened, tmp / "decoded")
            decode_ms = (time.perf_counter() - t0) * 1000
        out["warm_region_query"] = {
            "query_tiles": len(result.query_tiles), "k": 20, "backend": result.backend,
            "total_median_ms": round(statistics.median(totals), 2),
            **{f"{k}_median": round(statistics.median(v), 2) for k, v in stages.items()},
            "decode_20_results_ms": round(decode_ms, 1),
        }  # fmt: skip
        out["tile_query_ms"] = latency_ms(lambda: searcher.search_tile(tiles[0].id, k=20), repeats)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument(
        "--numpy-max", type=float, default=1e7, help="largest size timed with brute-force numpy"
    )
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each real query")
    parser.add_argument("--model", help="model package for the real part (default: random)")
    parser.add_argument("--tile-size", type=int, default=64, help="random model: tile size")
    parser.add_argument("--N", type=int, default=64, help="random model: latent channels")
    parser.add_argument("--skip-real", action="store_true", help="only the synthetic part")
    parser.add_argument("--skip-synthetic", action="store_true", help="only the real part")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    import faiss

    print(
        f"cpus={os.cpu_count()} faiss_threads={faiss.omp_get_max_threads()} "
        f"python={sys.version.split()[0]}",
        flush=True,
    )
    out: dict[str, object] = {"cpus": os.cpu_count()}
    if not args.skip_synthetic:
        sizes = [int(s) for s in args.sizes]
        out["synthetic"] = synthetic(
            sizes, args.batches, args.k, args.bits, args.seed, int(args.numpy_max)
        )
    if not args.skip_real:
        out["real"] = real(args.repeats, args.model, args.tile_size, args.N, args.bits)
        print(json.dumps(out["real"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
