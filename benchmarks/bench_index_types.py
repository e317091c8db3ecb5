"""Binary index types at 10^6 .. 10^8 codes: latency, memory, build time and recall@20.

The archive's index is exact (``IndexBinaryFlat``): a query scans every code. This benchmark
measures, in one run on one machine, faiss's sub-linear binary indexes beside it:

- ``flat``: ``IndexBinaryFlat``, exact, the reference for recall;
- ``ivf``: ``IndexBinaryIVF`` (inverted lists around binary k-means centroids, ``nprobe`` lists
  visited), at several ``nprobe``;
- ``multihash``: ``IndexBinaryMultiHash`` (the code cut into ``nhash`` substrings, each looked up
  in a hash table with up to ``nflip`` flipped bits);
- ``hnsw``: ``IndexBinaryHNSW`` (graph), at several ``efSearch``; only where its build fits the
  time budget (``--hnsw-max``).

Two code distributions, both 64 bits:

- ``uniform``: independent random bits, the worst case for every sub-linear index (the 20th
  neighbour of a query among 10^8 codes is ~13 bits away, where no partition helps);
- ``clustered``: what trained hash codes look like. Measured on a real 18,000-tile AID archive
  (runs of ``scicbir train --archive``), the 20th neighbour of a tile is 3-7 bits away and bits
  are balanced (means 0.45-0.54). The generator draws 2^16 random centres and flips each bit of
  a centre with probability 0.06 (binomially many flips, ~4 bits on average), and puts
  ``--collapse`` (default 15 %) of all codes on one single code, as the issue's archives showed.
  Queries are fresh draws of the same generator (not archive members).

Recall@20 is tie-aware: with ``D`` the exact 20th distance of a query, a returned code counts
when its distance is ``<= D`` (capped at 20); Hamming ties make id-based recall meaningless.
Latency is one query tile (k = 20) on one thread, median and 95th percentile; memory is the
resident-set growth while building. Run:

    .venv/bin/python benchmarks/bench_index_types.py --sizes 1e6 1e7 1e8 --json OUT.json

10^8 codes need ~6 GB of memory (codes, the flat and IVF indexes) and about an hour on one
core; figures depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: ``benchmarks`` is a package of the repository
from benchmarks.timing import rss_mb  # noqa: E402

BITS = 64
K = 20


def uniform_codes(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 256, (n, BITS // 8), dtype=np.uint8)


def _flip_masks(count: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` 64-bit masks with binomially many (mean 64 p) distinct random bits set."""
    flips = rng.binomial(BITS, p, count)
    masks = np.zeros(count, np.uint64)
    for j in range(int(flips.max(initial=0))):
        pick = flips > j
        bit = rng.integers(0, BITS, int(pick.sum()), dtype=np.uint64)
        masks[pick] |= np.left_shift(np.uint64(1), bit)  # a repeated bit flips fewer: fine
    return masks


def clustered_codes(n: int, rng: np.random.Generator, centres: int, p: float) -> np.ndarray:
    """Codes around random centres (see the module docstring)."""
    centre = rng.integers(0, 2**63, centres, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    centre ^= rng.integers(0, 2, centres, dtype=np.int64).astype(np.uint64)
    pool = _flip_masks(1 << 20, p, rng)  # reused masks keep 10^8 draws fast
    out = np.empty(n, np.uint64)
    step = 1 << 22
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start : start + m] = (
            centre[rng.integers(0, centres, m)] ^ pool[rng.integers(0, pool.size, m)]
        )
    return out.view(np.uint8).reshape(n, 8)


def _latency(search, queries: np.ndarray, repeats: int) -> dict[str, float]:
    times = []
    for i in range(repeats):
        q = queries[i % len(queries)][None, :]
        t0 = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))], 3),
    }


def _recall(dist: np.ndarray, ids: np.ndarray, exact_kth: np.ndarray) -> float:
    ok = (ids >= 0) & (dist <= exact_kth[:, None])
    return float(np.minimum(ok.sum(axis=1), K).mean() / K)


def _measure(name, params, index, queries, exact_kth, repeats, build_s, mem_mb) -> dict:
    dist, ids = index.search(queries, K)
    row = {
        "index": name,
        **params,
        "recall_at_20": round(_recall(np.asarray(dist), np.asarray(ids), exact_kth), 4),
        "build_s": round(build_s, 1),
        "memory_mb": round(mem_mb, 1),
        **_latency(lambda q: index.search(q, K), queries, repeats),
    }
    print(
        f"  {name:<10} {json.dumps(params):<28} recall@20 {row['recall_at_20']:.3f}  "
        f"{row['median_ms']:9.3f} ms (p95 {row['p95_ms']:9.3f})  build {row['build_s']:7.1f} s  "
        f"{row['memory_mb']:8.1f} MB",
        flush=True,
    )
    return row


def run_size(n: int, dist_name: str, args, rng: np.random.Generator) -> list[dict]:
    import faiss

    t0 = time.perf_counter()
    if dist_name == "uniform":
        codes = uniform_codes(n, rng)
        queries = uniform_codes(args.queries, rng)
    else:
        both = clustered_codes(n + args.queries, rng, args.centres, args.flip)
        codes, queries = both[:n].copy(), both[n:].copy()
        del both
        n_collapsed = int(round(args.collapse * n))
        if n_collapsed:  # drawn with replacement: choice() of 10^8 positions costs gigabytes
            where = np.unique(rng.integers(0, n, n_collapsed))
            codes[where] = codes[0]
    print(f"{dist_name} n={n:,}: codes drawn in {time.perf_counter() - t0:.1f} s", flush=True)
    rows: list[dict] = []
    base = {"distribution": dist_name, "codes": n}

    rss = rss_mb()
    t0 = time.perf_counter()
    flat = faiss.IndexBinaryFlat(BITS)
    flat.add(codes)
    build = time.perf_counter() - t0
    mem = rss_mb() - rss
    exact_d, _ = flat.search(queries, K)
    exact_kth = np.asarray(exact_d)[:, K - 1]
    repeats = args.repeats if n < 10**8 else max(10, args.repeats // 5)
    rows.append({**base, **_measure("flat", {}, flat, queries, exact_kth, repeats, build, mem)})
    del flat
    gc.collect()

    nlist = args.nlist or int(min(4096, max(64, 2 ** round(np.log2(np.sqrt(n) / 2)))))
    rss = rss_mb()
    t0 = time.perf_counter()
    quantizer = faiss.IndexBinaryFlat(BITS)
    ivf = faiss.IndexBinaryIVF(quantizer, BITS, nlist)
    train = codes[rng.choice(n, min(n, 64 * nlist), replace=False)]
    ivf.train(train)
    ivf.add(codes)
    build = time.perf_counter() - t0
    mem = rss_mb() - rss
    for nprobe in args.nprobe:
        if nprobe > nlist:
            continue
        ivf.nprobe = nprobe
        rows.append(
            {
                **base,
                **_measure(
                    "ivf",
                    {"nlist": nlist, "nprobe": nprobe},
                    ivf,
                    queries,
                    exact_kth,
                    args.repeats,
                    build,
                    mem,
                ),
            }
        )
    del ivf, quantizer
    gc.collect()

    if n <= args.multihash_max:
        for nhash, b in ((4, 16),):  # (8, 8) measured slower at every recall (10^6, 10^7)
            rss = rss_mb()
            t0 = time.perf_counter()
            mh = faiss.IndexBinaryMultiHash(BITS, nhash, b)
            mh.add(codes)
            build = time.perf_counter() - t0
            mem = rss_mb() - rss
            for nflip in (0, 1, 2):
                mh.nflip = nflip
                rows.append(
                    {
                        **base,
                        **_measure(
                            "multihash",
                            {"nhash": nhash, "b": b, "nflip": nflip},
                            mh,
                            queries,
                            exact_kth,
                            min(args.repeats, 30 if n < 10**8 else 10),
                            build,
                            mem,
                        ),
                    }
                )
            del mh
            gc.collect()

    if n <= args.hnsw_max:
        rss = rss_mb()
        t0 = time.perf_counter()
        hnsw = faiss.IndexBinaryHNSW(BITS, 32)
        hnsw.hnsw.efConstruction = 40
        hnsw.add(codes)
        build = time.perf_counter() - t0
        mem = rss_mb() - rss
        for ef in (32, 128, 512):
            hnsw.hnsw.efSearch = ef
            rows.append(
                {
                    **base,
                    **_measure(
                        "hnsw",
                        {"M": 32, "efSearch": ef},
                        hnsw,
                        queries,
                        exact_kth,
                        args.repeats,
                        build,
                        mem,
                    ),
                }
            )
        del hnsw
        gc.collect()
    del codes
    gc.collect()
    return rows


def main(argv: list[str] | None = None) -> int:
    import faiss

    from benchmarks.machine import describe

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--distributions", nargs="+", default=["clustered", "uniform"])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--nlist", type=int, default=0, help="IVF lists (default ~sqrt(n)/2)")
    ap.add_argument("--nprobe", type=int, nargs="+", default=[1, 4, 16, 64, 256])
    ap.add_argument("--centres", type=int, default=1 << 16)
    ap.add_argument("--flip", type=float, default=0.06)
    ap.add_argument("--collapse", type=float, default=0.15)
    ap.add_argument("--multihash-max", type=float, default=1e8)
    ap.add_argument("--hnsw-max", type=float, default=1e6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    faiss.omp_set_num_threads(args.threads)
    machine = describe()
    print(json.dumps(machine), flush=True)
    rng = np.random.default_rng(args.seed)
    rows: list[dict] = []
    for dist_name in args.distributions:
        for size in args.sizes:
            rows.extend(run_size(int(size), dist_name, args, rng))
            if args.json:
                args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
