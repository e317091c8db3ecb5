"""Relevance feedback on AID archive tiles: mAP@20 without feedback, after one and two rounds.

Protocol (the archive-tiles protocol of ``retrieval.py``): the AID test images are cut into
64 px tiles at their own resolution; every tile queries all the others, the tiles of its own
image never retrieved. The archive's stored hash-layer logits are the model's (``TileCodec.hash``,
the same logits ``compress`` stores in the catalog).

- **no feedback**: the engine's ranking of a one-tile query (Hamming distance, ties broken by
  the cosine of the logits, ``merge.py``); also Hamming alone with ties averaged, the figure
  of the retrieval table in docs/benchmarks.md.
- **round 1**: a simulated user marks the top 10 results relevant (same AID class as the
  query) or not relevant (another class); the archive is re-ranked by the engine's
  ``feedback.feedback_scores`` (the function ``Searcher.refine`` and ``search.refine`` run).
- **round 2**: the user marks the top 10 of the refined ranking as well (marks accumulate:
  tiles already marked keep their mark), and the archive is re-ranked from all marks.

Two figures per round: mAP@20 of the full ranking (what the user sees, marked tiles included:
tiles marked relevant come back near the top, which a user wants, but which is also feedback
the ranking was given) and mAP@20 of the **unmarked tiles only** (marked tiles moved to the end,
for the ranking without feedback too): whether feedback finds relevant tiles the user has not
seen. Scored by the engine's ``scicbir.training.retrieval.distance_metrics`` (ties averaged).

Run: ``.venv/bin/python benchmarks/bench_feedback.py [--model DIR] [--data DIR] [--images 600]
[--json OUT]``; reads ``<data>/aid`` (default ``../shared/data``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MARKED = 10  # results a simulated user marks per round
MAP_K = 20
TOP_R = 8
ROUNDS = 2
#: Distance given to marked tiles for the "unmarked only" figure: behind every real distance.
BEHIND = 1e6


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] feedback: {message}", file=sys.stderr, flush=True)


def engine_distances(logits: np.ndarray) -> np.ndarray:
    """(n, n) keys ordering like the engine's one-tile ranking: Hamming, then soft distance.

    The soft distance (1 - cosine of the logits) lies in [0, 2]; scaled below 1 it breaks
    ties between equal Hamming distances without reordering different ones.
    """
    from scicbir.search.feedback import normalised

    signs = np.where(logits >= 0, 1.0, -1.0)
    hamming = np.rint((logits.shape[1] - signs @ signs.T) / 2)
    unit = normalised(logits)
    soft = 1.0 - np.clip(unit @ unit.T, -1.0, 1.0)
    return hamming + soft / 2.5


def scores(dist: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    from scicbir.training.retrieval import distance_metrics

    return distance_metrics(dist, labels, labels, TOP_R, (MAP_K,), groups=(groups, groups))[
        f"mAP@{MAP_K}"
    ]


def top_unexcluded(row: np.ndarray, own: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` best archive positions of one query's distance row, its own image left out."""
    d = row.copy()
    d[own] = np.inf
    return np.argsort(d, kind="stable")[:n]


def run(model: Path, data: Path, images: int, methods: tuple[str, ...]) -> dict:
    from benchmarks import datasets
    from benchmarks.datasets import normalise
    from scicbir.codec.codec import TileCodec
    from scicbir.models.package import ModelPackage
    from scicbir.search.feedback import feedback_scores

    package = ModelPackage.load(model)
    tiles = datasets.aid(data / "aid", "test", images, side=package.config.tile_size)
    vocab = sorted({n for item in tiles.labels for n in item})
    labels, _ = tiles.label_matrix(vocab)
    classes = labels.argmax(axis=1)
    groups = np.asarray(tiles.groups)
    _log(f"{len(tiles)} tiles of {len(set(tiles.groups))} AID test images; hashing")
    t0 = time.perf_counter()
    codec = TileCodec(package)
    offset = np.asarray(package.config.normalisation_offset, float)
    scale = np.asarray(package.config.normalisation_scale, float)
    logits = codec.hash(normalise(tiles.tiles, offset, scale)).logits.astype(np.float64)
    hash_s = time.perf_counter() - t0
    n = len(tiles)
    own = [np.flatnonzero(groups == groups[i]) for i in range(n)]

    base = engine_distances(logits)
    signs = np.where(logits >= 0, 1.0, -1.0)
    hamming = np.rint((logits.shape[1] - signs @ signs.T) / 2)
    out: dict = {
        "model": package.config.name if hasattr(package.config, "name") else model.name,
        "tiles": n,
        "images": len(set(tiles.groups)),
        "bits": int(logits.shape[1]),
        "hash_s": round(hash_s, 1),
        "marked_per_round": MARKED,
        "no_feedback": {
            "hamming_ties_averaged": scores(hamming, labels, groups),
            "engine_ranking": scores(base, labels, groups),
        },
        "methods": {},
    }
    _log(f"no feedback: mAP@{MAP_K} {out['no_feedback']['engine_ranking']:.4f}")
    for method in methods:
        marks: list[dict[int, bool]] = [{} for _ in range(n)]
        current = base
        rounds = []
        times = []
        for r in range(1, ROUNDS + 1):
            refined = np.empty_like(base)
            for i in range(n):
                for j in top_unexcluded(current[i], own[i], MARKED):
                    marks[i].setdefault(int(j), bool(classes[j] == classes[i]))
                rel = [j for j, good in marks[i].items() if good]
                irr = [j for j, good in marks[i].items() if not good]
                t1 = time.perf_counter()
                s = feedback_scores(logits[i : i + 1], logits, logits[rel], logits[irr], method)
                times.append((time.perf_counter() - t1) * 1000)
                refined[i] = -s
            marked = np.zeros((n, n), bool)
            for i in range(n):
                marked[i, list(marks[i])] = True
            rounds.append(
                {
                    "round": r,
                    "mAP@20": scores(refined, labels, groups),
                    "mAP@20_unmarked": scores(np.where(marked, BEHIND, refined), labels, groups),
                    "no_feedback_unmarked": scores(np.where(marked, BEHIND, base), labels, groups),
                    "marks_per_query": float(np.mean([len(m) for m in marks])),
                }
            )
            _log(f"{method} round {r}: {rounds[-1]}")
            current = refined
        out["methods"][method] = {
            "rounds": rounds,
            "refine_ms_median": round(statistics.median(times), 3),
            "archive_tiles_scored": n,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--model", type=Path, default=ROOT / "resources" / "models" / "scicbir-rgb-aid"
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--images", type=int, default=600, help="AID test images (default 600)")
    parser.add_argument(
        "--methods", nargs="+", default=["rocchio", "logistic"], choices=["rocchio", "logistic"]
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not (args.data / "aid").is_dir():
        print(f"bench_feedback: {args.data / 'aid'} is missing; pass --data DIR", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    result = run(args.model, args.data, args.images, tuple(args.methods))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
