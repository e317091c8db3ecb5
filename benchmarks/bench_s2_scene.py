"""A whole Sentinel-2 scene as users get it: a Level-2A product compressed into an archive.

The product (``--size`` pixels a side at 10 m; 10980 is a full granule) is built from the
committed BigEarthNet patch in ``tests/data``: each band mirrored into a mosaic at its own
native resolution (10, 20 or 60 m) and written as lossless JPEG 2000 in the Level-2A layout
(``tests/rasters/s2_product.py`` names and folders), so reading it costs what a downloaded
product costs: JPEG 2000 decoding of 12 band files, 20 m and 60 m bands resampled to 10 m
window by window. Then, in the same run on the same files:

- ``scicbir compress PRODUCT`` with ``--workers`` 1 and 2 (fresh archive each): wall time,
  tiles/s, peak RSS of the main process and of the process tree (main + workers);
- ``gdal_translate -of JP2OpenJPEG`` of the same 12 bands stacked on the 10 m grid (a VRT), at a
  lossy ``QUALITY`` and losslessly: wall time and peak RSS (the peer);
- where the time of a compress goes, measured in this process on ``--profile-tiles`` tiles with
  the engine's own functions: JPEG 2000 read of the 10 m bands, read + resampling of the 20 m
  and 60 m bands, the codec's transforms (analysis, hyperprior, hash head) and its entropy
  coding; the rest of the compress wall time (catalog, packs, index, start-up) is "write and
  bookkeeping".

Run: ``.venv/bin/python benchmarks/bench_s2_scene.py [--size 10980] [--model NAME] [--json OUT]``
(a full granule takes tens of minutes on 2 cores; ``--size 2745`` is a sixteenth of it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_archive import folder_bytes, measured  # noqa: E402
from tests.rasters.s2_product import L2A_AT, NATIVE, SENSED, TILE  # noqa: E402

PATCH = REPO / "tests" / "data" / "bigearthnet" / "S2A_MSIL2A_20170613T101031_87_48"


def _mosaic_band(band_file: Path, out: Path, side: int, scale: float) -> None:
    """``band_file`` mirrored into a ``side``-pixel GeoTIFF whose pixel is ``scale`` times the
    file's (bounded memory: one copy of the patch at a time)."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    with rasterio.open(band_file) as src:
        shape = (1, round(src.height / scale), round(src.width / scale))
        resampling = Resampling.average if scale > 1 else Resampling.nearest
        block = src.read(out_shape=shape, resampling=resampling)
        profile = dict(src.profile)
        profile["transform"] = src.transform * src.transform.scale(scale, scale)
    _, h, w = block.shape
    variants = [block, block[:, :, ::-1], block[:, ::-1, :], block[:, ::-1, ::-1]]
    profile.update(width=side, height=side, tiled=True, blockxsize=512, blockysize=512,
                   compress=None, driver="GTiff")  # fmt: skip
    with rasterio.open(out, "w", **profile) as dst:
        for r in range(0, side, h):
            for c in range(0, side, w):
                piece = variants[((r // h) % 2) * 2 + (c // w) % 2]
                ph, pw = min(h, side - r), min(w, side - c)
                dst.write(piece[:, :ph, :pw], window=Window(c, r, pw, ph))


def build_product(parent: Path, size: int) -> tuple[Path, list[Path]]:
    """A Level-2A product of ``size`` x ``size`` 10 m pixels; returns it and the 12 band files
    it is read from (each band at its finest resolution)."""
    product = parent / f"S2A_MSIL2A_{SENSED}_N0205_R022_{TILE}_{SENSED}.SAFE"
    granule = product / "GRANULE" / f"L2A_{TILE}_A010239_{SENSED}" / "IMG_DATA"
    product.mkdir(parents=True)
    (product / "MTD_MSIL2A.xml").write_text("<n1:Level-2A_User_Product/>\n")
    finest = []
    for band, native in NATIVE.items():
        src = next(PATCH.glob(f"*_{band}.tif"))
        levels = sorted({native, *(m for m, bands in L2A_AT.items() if band in bands)})
        for metres in levels:
            tif = parent / f"{band}_{metres}m.tif"
            _mosaic_band(src, tif, round(size * 10 / metres), metres / native)
            jp2 = granule / f"R{metres}m" / f"{TILE}_{SENSED}_{band}_{metres}m.jp2"
            jp2.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["gdal_translate", "-q", "-of", "JP2OpenJPEG", "-co", "QUALITY=100",
                 "-co", "REVERSIBLE=YES", "-co", "BLOCKXSIZE=1024", "-co", "BLOCKYSIZE=1024",
                 str(tif), str(jp2)],
                check=True,
            )  # fmt: skip
            tif.unlink()
            if metres == levels[0]:
                finest.append(jp2)
    return product, finest


def profile_stages(product: Path, model: str, tiles: int) -> dict[str, float]:
    """Seconds per stage for ``tiles`` tiles of the product, with the engine's own functions."""
    from scicbir.archive.prepare import map_to_model
    from scicbir.codec.codec import TileCodec
    from scicbir.models.registry import resolve_model
    from scicbir.rasters.discover import find_sources
    from scicbir.rasters.source import RasterSource

    package = resolve_model(model)
    codec = TileCodec(package)
    size = package.config.tile_size
    (spec,) = find_sources(product)
    import rasterio

    from scicbir.archive.compress import GDAL_CACHE_MB

    # the block cache compress runs with (JPEG 2000 reads depend on it)
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB),
        RasterSource(spec.path, spec.files, spec.band_names) as source,
    ):
        mapping, _notes = map_to_model(str(spec.path), source, package.config.band_names)
        order = list(mapping.source_order)
        fine = [b for b in order if source._bands[b - 1][0].width == source.width]
        coarse = [b for b in order if b not in fine]
        per_row = source.width // size
        windows = [((i % per_row) * size, (i // per_row) * size) for i in range(tiles)]
        t_fine = t_coarse = 0.0
        batch = []
        for col, row in windows:
            t0 = time.perf_counter()
            a = source.read(col, row, size, size, fine)
            t1 = time.perf_counter()
            b = source.read(col, row, size, size, coarse)
            t2 = time.perf_counter()
            t_fine, t_coarse = t_fine + t1 - t0, t_coarse + t2 - t1
            pixels = np.concatenate([a, b])[np.argsort(fine + coarse)]
            batch.append(pixels.astype(np.float32) / 10000.0)
        codec.encode(np.stack(batch))
    return {
        "tiles": tiles,
        "read_10m_s": t_fine,
        "read_resample_20m_60m_s": t_coarse,
        "transforms_s": codec.timings.transforms,
        "entropy_s": codec.timings.entropy,
        "backend": codec.backend,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10980, help="scene side in 10 m pixels")
    parser.add_argument("--model", default="scicbir-s2-eurosat")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profile-tiles", type=int, default=512)
    parser.add_argument("--keep", type=Path, help="build the product here and keep it")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench-s2-scene-"))
    try:
        parent = args.keep or tmp
        parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        product, finest = build_product(parent, args.size)
        build_s = time.perf_counter() - t0
        tiles_total = (-(-args.size // 64)) ** 2
        figures: dict = {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "scene": {
                "side_10m": args.size,
                "bands": 12,
                "product_bytes": folder_bytes(product),
                "grid_tiles": tiles_total,
                "built_in_s": build_s,
            },  # fmt: skip
            "runs": [],
        }
        print(json.dumps(figures["scene"]), flush=True)
        python = sys.executable
        for workers in args.workers:
            archive = tmp / f"archive-w{workers}"
            command = [python, "-m", "scicbir", "compress", str(product), "--archive",
                       str(archive), "--model", args.model, "--workers", str(workers),
                       "--no-psnr", "--quiet", "--json"]  # fmt: skip
            result = measured(command, dict(os.environ))
            try:
                summary = json.loads(result["stdout"])
            except ValueError:
                print(result["stdout"][-2000:], result["stderr"], file=sys.stderr)
                summary = {}
            row = {
                "tool": f"scicbir compress --workers {workers} --no-psnr",
                "rc": result["rc"],
                "seconds": result["seconds"],
                "job_seconds": summary.get("seconds"),
                "tiles": summary.get("tiles"),
                "tiles_per_s": (summary.get("tiles") or 0) / result["seconds"],
                "peak_rss_main_mib": result["peak_rss_mib"],
                "peak_rss_tree_mib": result["peak_rss_tree_mib"],
                "archive_bytes": folder_bytes(archive) if archive.exists() else None,
            }
            figures["runs"].append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(archive, ignore_errors=True)
        vrt = tmp / "bands.vrt"
        subprocess.run(["gdalbuildvrt", "-q", "-separate", "-resolution", "highest",
                        str(vrt), *map(str, finest)], check=True)  # fmt: skip
        for label, options in (
            ("JP2OpenJPEG QUALITY=5", ["-co", "QUALITY=5", "-co", "REVERSIBLE=NO"]),
            ("JP2OpenJPEG lossless", []),
        ):
            out = tmp / "peer.jp2"
            result = measured(["gdal_translate", "-q", "-of", "JP2OpenJPEG", "-r", "cubic",
                               *options, str(vrt), str(out)])  # fmt: skip
            row = {"tool": f"gdal_translate {label} (12 bands on the 10 m grid)",
                   "rc": result["rc"], "seconds": result["seconds"],
                   "peak_rss_main_mib": result["peak_rss_mib"],
                   "output_bytes": out.stat().st_size if out.exists() else None}  # fmt: skip
            figures["runs"].append(row)
            print(json.dumps(row), flush=True)
            out.unlink(missing_ok=True)
        stages = profile_stages(product, args.model, min(args.profile_tiles, tiles_total))
        figures["stages_per_tile_ms"] = {
            k: 1000 * v / stages["tiles"] for k, v in stages.items() if k.endswith("_s")
        }

        figures["stages_backend"] = stages["backend"]
        print(json.dumps(figures["stages_per_tile_ms"]), flush=True)

        figures["load_average_at_end"] = os.getloadavg()
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
