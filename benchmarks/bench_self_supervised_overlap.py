"""Label-free adaptation on scenes that have no labels, judged by the ground the tiles share.

Scenes without labels (Landsat, a user's own rasters) cannot be scored by class. Where two
scenes overlap, they can be scored by place: a tile of one scene should find, among all the
tiles of the other scene, the tiles that cover the same ground. Protocol: every whole tile
(full size, no nodata) of one scene queries the whole tiles of each other scene; a retrieved
tile is relevant when it covers at least ``--min-overlap`` of the query's ground (the scenes'
tile grids do not line up, so a query has one to four relevant tiles, two at the default 0.25
with a typical offset); queries without a relevant tile are not asked. mAP@20 and P@8 by the
engine's own retrieval functions (Hamming ties averaged), over both directions.

The scenes are compressed into one archive with the base model; its codes are scored, the
archive is adapted without labels (``scicbir.training.adapt``: decode, augmented versions,
neighbouring tiles as positives, contrastive hashing, new package, re-hash) and the new codes are
scored on the same queries, beside the hand-crafted colour/gradient histograms (exact L2 on the
source pixels) and random codes.

    .venv/bin/python benchmarks/bench_self_supervised_overlap.py \\
        --model resources/models/scicbir-rgb-aid \\
        --scene ../shared/data/scenes/LC08_L1TP_224078_20200518_20200518_01_RT.TIF:3,2,1 \\
        --scene ../shared/data/scenes/LC08_L1TP_224077_20200518_20200518_01_RT_B4.TIF+...B3.TIF+...B2.TIF

``--scene`` is one raster with the model's bands picked by 1-based index after the colon, or
band files joined by ``+`` in the model's band order. Zero is the scenes' nodata value
(``--nodata``). Prints a JSON summary (and writes it with ``--json-out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.peers.features import ColourGradientHistogram  # noqa: E402
from benchmarks.peers.ranking import l2_distances, random_codes, unpack_codes  # noqa: E402
from benchmarks.report import print_summary  # noqa: E402
from benchmarks.retrieval import MAP_K, TOP_R, distance_scores  # noqa: E402
from benchmarks.retrieval import code_scores as ranked_codes  # noqa: E402


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stack_scene(spec: str, out: Path, nodata: float) -> Path:
    """Write the scene named by ``spec`` as one GeoTIFF in the model's band order."""
    import rasterio

    if "+" in spec:
        reads = [(Path(p), 1) for p in spec.split("+")]
    else:
        path, _, bands = spec.partition(":")
        reads = [(Path(path), int(b)) for b in (bands or "1,2,3").split(",")]
    arrays = []
    for path, band in reads:
        with rasterio.open(path) as src:
            arrays.append(src.read(band))
            profile = src.profile
    profile.update(count=len(arrays), nodata=nodata, driver="GTiff", compress="deflate")
    profile.pop("photometric", None)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(np.stack(arrays))
    return out


@dataclass
class WholeTiles:
    """The archive's whole tiles: scene index, ground bounds, packed codes, source pixels."""

    scene: np.ndarray  # (n,) int
    bounds: np.ndarray  # (n, 4) left, bottom, right, top in the scenes' CRS
    codes: np.ndarray  # (n, bits/8) uint8
    pixels: np.ndarray  # (n, C, T, T)


def whole_tiles(archive: Path, scenes: list[Path]) -> WholeTiles:
    """Whole tiles of the archive (full tile size, no nodata), in catalog order; ground bounds
    in the scenes' CRS (the scenes must share one)."""
    import rasterio
    from rasterio.windows import Window

    from scicbir.archive.catalog import Catalog

    catalog = Catalog(archive / "catalog.gpkg", read_only=True)
    try:
        records = catalog.tiles()
        size = int(catalog.meta()["tile_size"])
    finally:
        catalog.close()
    index = {str(p.resolve()): i for i, p in enumerate(scenes)}
    scene, bounds, codes, pixels = [], [], [], []
    handles = [rasterio.open(p) for p in scenes]
    if len({h.crs for h in handles}) != 1:
        raise SystemExit("the scenes must share one CRS to compare their ground")
    try:
        for r in records:
            if (r.valid_width, r.valid_height) != (size, size):
                continue
            i = index[str(Path(r.source_path).resolve())]
            src = handles[i]
            window = Window(r.col, r.row, size, size)  # col, row: the tile's pixel offset
            block = src.read(window=window)
            if src.nodata is not None and (block == src.nodata).any():
                continue
            scene.append(i)
            bounds.append(rasterio.windows.bounds(window, src.transform))
            codes.append(np.frombuffer(r.hash, np.uint8))
            pixels.append(block)
    finally:
        for h in handles:
            h.close()
    return WholeTiles(np.array(scene), np.array(bounds, float), np.stack(codes), np.stack(pixels))


def overlap_fraction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) share of each a-tile's ground that each b-tile covers."""
    w = np.clip(
        np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None
    )
    h = np.clip(
        np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None
    )
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    return w * h / area[:, None]


@dataclass
class Direction:
    """Queries of one scene against the whole tiles of another, with their relevance."""

    queries: np.ndarray  # indices into WholeTiles
    archive: np.ndarray
    relevant: np.ndarray  # (queries, archive) bool


def directions(tiles: WholeTiles, min_overlap: float) -> list[Direction]:
    out = []
    n_scenes = int(tiles.scene.max()) + 1
    for a in range(n_scenes):
        for b in range(n_scenes):
            if a == b:
                continue
            qa = np.flatnonzero(tiles.scene == a)
            db = np.flatnonzero(tiles.scene == b)
            rel = overlap_fraction(tiles.bounds[qa], tiles.bounds[db]) >= min_overlap
            asked = rel.any(axis=1)
            if asked.any():
                out.append(Direction(qa[asked], db, rel[asked]))
    return out


def scores(dirs: list[Direction], rank) -> dict:
    """Query-weighted mean of the engine's P@8 and mAP@20 over the directions.

    ``rank(direction)`` returns the engine's metrics for it, given labels where a query's labels
    are its relevant archive tiles and each archive tile's label is itself.
    """
    totals: dict[str, float] = {}
    n = 0
    for d in dirs:
        m = rank(d, d.relevant, np.eye(len(d.archive), dtype=bool))
        k = len(d.queries)
        for name in (f"precision@{TOP_R}", f"mAP@{MAP_K}"):
            totals[name] = totals.get(name, 0.0) + m[name] * k
        n += k
    return {name: round(v / n, 4) for name, v in totals.items()}


def code_scores(dirs: list[Direction], codes: np.ndarray) -> dict:
    """Hamming ranking of packed codes, scored like every benchmark's codes."""
    bits = unpack_codes(codes, codes.shape[1] * 8)
    return scores(dirs, lambda d, ql, al: ranked_codes(bits[d.queries], ql, bits[d.archive], al))


def feature_scores(dirs: list[Direction], features: np.ndarray) -> dict:
    """Exact L2 ranking of continuous features, scored like the codes."""
    return scores(
        dirs,
        lambda d, ql, al: distance_scores(
            l2_distances(features[d.queries], features[d.archive]), ql, al
        ),
    )


def run(args: argparse.Namespace) -> dict:
    from scicbir.archive.compress import compress_folder
    from scicbir.training.adapt import AdaptRequest, adapt_archive

    work = Path(args.work or tempfile.mkdtemp(prefix="scicbir-ssl-overlap-"))
    sources = work / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    scenes = []
    for i, spec in enumerate(args.scene):
        out = sources / f"scene{i}.tif"
        scenes.append(out if out.exists() else stack_scene(spec, out, args.nodata))
    archive = work / "archive"
    t0 = time.perf_counter()
    compress_folder(sources, archive, args.model)
    compress_s = time.perf_counter() - t0
    tiles = whole_tiles(archive, scenes)
    dirs = directions(tiles, args.min_overlap)
    _log(
        f"{len(tiles.scene)} whole tiles, {sum(len(d.queries) for d in dirs)} queries with "
        f"ground in another scene; compressed in {compress_s:.0f} s"
    )
    figures = {"supervised codes of the base model": code_scores(dirs, tiles.codes)}
    _log(f"base: {figures}")
    hist = ColourGradientHistogram().fit(tiles.pixels.astype(np.float64))
    figures["colour/gradient histograms, exact L2"] = feature_scores(
        dirs, hist.transform(tiles.pixels.astype(np.float64))
    )
    bits = tiles.codes.shape[1] * 8
    figures["random codes"] = code_scores(
        dirs, np.packbits(random_codes(len(tiles.scene), bits, seed=0), axis=1)
    )
    request = AdaptRequest.from_params(
        {
            "archive": str(archive),
            "output": str(work / "adapted-model"),
            "steps": args.steps,
            "neighbour_pairs": args.neighbour_pairs,
        }
    )
    result = adapt_archive(request)
    adapted = whole_tiles(archive, scenes)
    if not np.array_equal(adapted.bounds, tiles.bounds):
        raise RuntimeError("the re-hashed archive lists other tiles than before")
    figures["adapted without labels"] = code_scores(dirs, adapted.codes)
    _log(f"adapted: {figures['adapted without labels']}; {result.seconds}")
    return {
        "scenes": list(args.scene),
        "base_model": str(args.model),
        "whole_tiles": int(len(tiles.scene)),
        "queries": int(sum(len(d.queries) for d in dirs)),
        "min_overlap": args.min_overlap,
        "mean_relevant_per_query": round(
            float(np.mean(np.concatenate([d.relevant.sum(1) for d in dirs]))), 2
        ),
        "steps": result.steps,
        "neighbour_pairs": args.neighbour_pairs,
        "compress_seconds": round(compress_s, 1),
        "adapt_seconds": result.seconds,
        "scores": figures,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="base model package")
    parser.add_argument(
        "--scene",
        action="append",
        required=True,
        help="RASTER[:b1,b2,b3] or BAND1+BAND2+BAND3 (model band order); two or more",
    )
    parser.add_argument("--nodata", type=float, default=0.0)
    parser.add_argument("--min-overlap", type=float, default=0.25)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--neighbour-pairs", type=float, default=0.5)
    parser.add_argument("--work", help="working folder (default: a new temporary one)")
    parser.add_argument("--json-out", help="also write the summary here")
    args = parser.parse_args(argv)
    if len(args.scene) < 2:
        parser.error("give two or more overlapping scenes")
    print_summary(run(args), args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
