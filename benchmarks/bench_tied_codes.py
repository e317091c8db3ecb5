"""A query whose code many tiles share, against a normal query: before and after grouping.

Archives collapse: 13-17 % of a real archive's tiles can share one code. This benchmark builds
10^6 and 10^7 64-bit codes (the clustered generator of ``bench_index_types.py``) and puts
``--collapse`` of them on one code, gives every tile logits whose signs are its code (as the hash
layer's are) and measures, in the same run:

- ``tiles``: the engine's exact path over one index entry per tile (``knn.gather_candidates`` +
  ``merge.merge_min``), i.e. before ``tie_groups``;
- ``grouped``: the search index of ``tie_groups`` (shared codes held once, ranked inside by
  their logits), with its build time and memory;

each for a normal query (a fresh code of the generator) and a collapsed query (the shared code
with its own logits), k = 20, one query tile, one thread, median and 95th percentile. The tiles'
logits come from memory in both paths (a stand-in for the catalog that favours ``tiles``: there
each of the tied tiles' logits is a catalog row); ``--catalog ARCHIVE`` also times reading logits
from a real catalog, per row. For the collapsed query the recall@20 of ``grouped`` against the
exact order (the merge's rule over every tied tile) is reported: an inverted file ranks groups
larger than ``tie_groups.EXACT_MAX``.

Run: ``.venv/bin/python benchmarks/bench_tied_codes.py [--sizes 1e6 1e7] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: ``benchmarks`` is a package of the repository
from benchmarks.timing import latency_ms, rss_mb  # noqa: E402

BITS = 64
K = 20


class Logits:
    """Logits of tile ``t``: its code's signs times magnitudes from a fixed table (no 10^7 x 64
    array in memory). Looked up by tile id like ``Catalog.logits``."""

    def __init__(self, codes: np.ndarray, rng: np.random.Generator) -> None:
        self.signs_of = codes
        self.table = np.abs(rng.normal(size=(1 << 20, BITS))).astype(np.float32) + 0.05

    def for_code(self, code: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        signs = np.unpackbits(code).astype(np.float32) * 2 - 1
        return (signs * (np.abs(rng.normal(size=BITS)) + 0.05)).astype(np.float32)

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, np.int64)
        signs = np.unpackbits(self.signs_of[ids], axis=1).astype(np.float32) * 2 - 1
        return signs * self.table[(ids * 2654435761) % self.table.shape[0]]


def run_size(n: int, args, rng: np.random.Generator) -> dict:
    import faiss

    from benchmarks.bench_index_types import clustered_codes
    from scicbir.archive.index import build_index
    from scicbir.search.knn import gather_candidates
    from scicbir.search.merge import cosine_distance, merge_min
    from scicbir.search.tie_groups import search_index

    faiss.omp_set_num_threads(1)
    both = clustered_codes(n + 1, rng, 1 << 16, 0.06)
    codes, fresh = both[:n].copy(), both[n:].copy()
    del both
    where = np.unique(rng.integers(0, n, int(round(args.collapse * n))))
    codes[where] = codes[where[0]]
    shared = codes[where[0]].copy()
    ids = np.arange(n, dtype=np.int64)
    logits = Logits(codes, rng)
    tied = int(np.count_nonzero((codes == shared).all(axis=1)))
    print(f"n={n:,}: {tied:,} tiles ({tied / n:.1%}) share one code", flush=True)

    full = build_index(ids, codes, BITS)
    rss = rss_mb()
    t0 = time.perf_counter()
    grouped = search_index(full, logits)
    build_s = time.perf_counter() - t0
    memory = rss_mb() - rss
    print(
        f"  grouped index: {len(grouped.groups)} groups, built in {build_s:.1f} s, "
        f"+{memory:.0f} MB",
        flush=True,
    )
    queries = {
        "normal": (fresh, logits.for_code(fresh[0], rng)[None, :]),
        "collapsed": (shared[None, :], logits.for_code(shared, rng)[None, :]),
    }
    none = np.zeros(0, np.int64)

    def old(q, ql):
        return merge_min(gather_candidates(full, q, K), K, BITS, ql, logits)

    def new(q, ql):
        return merge_min(grouped.candidates(q, K, ql, none), K, BITS, ql, logits)

    row: dict = {
        "codes": n,
        "tied_tiles": tied,
        "groups": len(grouped.groups),
        "grouped_build_s": round(build_s, 2),
        "grouped_extra_mb": round(memory, 1),
    }
    for name, (q, ql) in queries.items():
        slow = args.repeats if name == "normal" or n < 10**7 else max(3, args.repeats // 10)
        row[f"tiles_{name}"] = latency_ms(lambda q=q, ql=ql: old(q, ql), slow)
        row[f"grouped_{name}"] = latency_ms(lambda q=q, ql=ql: new(q, ql), args.repeats)
        print(
            f"  {name:<9} query: tiles {row[f'tiles_{name}']['median_ms']:9.2f} ms  grouped "
            f"{row[f'grouped_{name}']['median_ms']:9.2f} ms (p95 "
            f"{row[f'grouped_{name}']['p95_ms']:.2f})",
            flush=True,
        )
    # exact order of the tied tiles for the collapsed query: cosine over all of them, then id
    q, ql = queries["collapsed"]
    members = np.flatnonzero((codes == shared).all(axis=1))
    soft = np.concatenate(
        [
            cosine_distance(np.repeat(ql, len(part), axis=0), logits(part))
            for part in np.array_split(members, max(1, len(members) // 200_000))
        ]
    )
    exact = members[np.lexsort((members, soft))][:K]
    got = [r.tile_id for r in new(q, ql)]
    row["collapsed_recall_at_20"] = len(set(got) & set(exact.tolist())) / K
    row["collapsed_same_order"] = got == exact.tolist()
    print(f"  collapsed recall@20 {row['collapsed_recall_at_20']:.2f}", flush=True)
    return row


def catalog_rows(archive: Path) -> dict:
    """Per-row cost of ``Catalog.logits`` on a real archive (every tile, then 20 tiles)."""
    from scicbir.archive.store import Archive

    with Archive.open(archive, read_only=True) as opened:
        ids = np.array([t.id for t in opened.tiles()], np.int64)
        t0 = time.perf_counter()
        opened.catalog.logits(ids)
        all_s = time.perf_counter() - t0
    return {"archive_tiles": len(ids), "us_per_row": round(all_s / len(ids) * 1e6, 2)}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.machine import describe

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--collapse", type=float, default=0.15)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--catalog", type=Path, help="an archive to time catalog logits reads on")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    machine = describe()
    print(json.dumps(machine), flush=True)
    rng = np.random.default_rng(args.seed)
    out: dict = {"machine": machine, "rows": []}
    if args.catalog:
        out["catalog"] = catalog_rows(args.catalog)
        print(f"catalog logits: {out['catalog']}", flush=True)
    for size in args.sizes:
        out["rows"].append(run_size(int(size), args, rng))
        if args.json:
            args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
