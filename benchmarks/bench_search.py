"""Search latency: the faiss binary index against exhaustive numpy, and a real query split up.

Part 1 (synthetic, for scale): 10^4 .. 10^7 random 64-bit codes in an ``IndexBinaryIDMap`` over
``IndexBinaryFlat`` (the archive's index type). For each size: index memory, then the median and
95th percentile latency of k = 20 queries for a single query tile and for batches of query tiles
(a region), measured three ways in the same run: faiss alone, the engine's exact path (faiss +
tie completion + merge, ``knn.gather_candidates`` + ``merge.merge_min``), and brute-force numpy
(``hamming.brute_force_knn``), the peer. Random codes are the worst case for ties at the cut
only mildly; real codes cluster, which makes ties (and the tie completion) more frequent.

Part 2 (real): an archive is built from the committed samples in ``tests/data`` with a small
random model, then region queries are timed split into read + hash + search (+ decode of the
results, reported apart: the goal excludes it).

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
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _timed(fn: Callable[[], object], repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "repeats": repeats}


def synthetic(sizes: list[int], batches: list[int], k: int, bits: int, seed: int) -> list[dict]:
    import faiss

    from scicbir.search.hamming import brute_force_knn
    from scicbir.search.knn import gather_candidates
    from scicbir.search.merge import merge_min

    rows = []
    rng = np.random.default_rng(seed)
    for n in sizes:
        codes = rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
        ids = np.arange(n, dtype=np.int64)
        rss0 = _rss_mb()
        t0 = time.perf_counter()
        index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(bits))
        index.add_with_ids(codes, ids)
        build_s = time.perf_counter() - t0
        index_mb = _rss_mb() - rss0
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
                "faiss": _timed(lambda q=queries, x=index: x.search(q, k), fast),
                "engine_exact": _timed(
                    lambda q=queries, x=index: merge_min(gather_candidates(x, q, k), k, bits),
                    fast,
                ),
            }
            rss1 = _rss_mb()
            row["numpy_bruteforce"] = _timed(
                lambda q=queries, c=codes, i=ids: brute_force_knn(q, c, i, k), slow
            )
            row["numpy_extra_rss_mb"] = round(max(0.0, _rss_mb() - rss1), 1)
            rows.append(row)
            print(
                f"n={n:>9,} tiles={nq:>2}  faiss {row['faiss']['median_ms']:8.2f} ms "
                f"(p95 {row['faiss']['p95_ms']:8.2f})  engine {row['engine_exact']['median_ms']:8.2f}"
                f" ms (p95 {row['engine_exact']['p95_ms']:8.2f})  numpy "
                f"{row['numpy_bruteforce']['median_ms']:9.2f} ms (p95 "
                f"{row['numpy_bruteforce']['p95_ms']:9.2f})  index {index_mb:7.1f} MB",
                flush=True,
            )
        del index, codes, ids
    return rows


def real(repeats: int) -> dict:
    """Build a small archive from tests/data and time region queries split into stages."""
    from scicbir.search.benchmark import time_real_queries

    with tempfile.TemporaryDirectory(prefix="scicbir-bench-") as tmp:
        return time_real_queries(ROOT / "tests" / "data", Path(tmp), repeats=repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5, 1e6, 1e7])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of each real query")
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
        out["synthetic"] = synthetic(sizes, args.batches, args.k, args.bits, args.seed)
    if not args.skip_real:
        out["real"] = real(args.repeats)
        print(json.dumps(out["real"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
