"""The main job shown in the README: compress the bundled samples, query a region, show results.

Everything printed is measured in this run: the archive is built from the sample rasters in
``resources/samples`` with the shipped default models, a region of the western Landsat crop is
queried (given in EPSG:4326, so the region goes through the same CRS handling as a region drawn
in QGIS), and the results are written as GeoTIFF tiles (decoded from their bitstreams), a
GeoPackage of footprints and a PNG contact sheet; both archives are also written as a STAC
catalog (``stac/``). Running it again reuses the archive (the compress job skips unchanged
sources) and rewrites no unchanged STAC file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.errors import InputError

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
QUERY_RASTER = "landsat8_224078_west.tif"
# Query region, in pixels of QUERY_RASTER: a 2 x 2 block of 64-pixel tiles (3.8 km square).
QUERY_WINDOW = (256, 320, 128, 128)  # col, row, width, height


@dataclass
class DemoPaths:
    out: Path

    @property
    def rgb_archive(self) -> Path:
        return self.out / "archive-rgb"

    @property
    def s2_archive(self) -> Path:
        return self.out / "archive-sentinel2"

    @property
    def results_gpkg(self) -> Path:
        return self.out / "results.gpkg"

    @property
    def tiles_dir(self) -> Path:
        return self.out / "result-tiles"

    @property
    def contact_sheet(self) -> Path:
        return self.out / "contact-sheet.png"

    @property
    def stac(self) -> Path:
        return self.out / "stac"


def query_bbox_wgs84(raster: Path, window: tuple[int, int, int, int]) -> list[float]:
    """The pixel window as a lon/lat bounding box (what a user drawing on a 4326 map gives)."""
    import rasterio
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, bounds

    with rasterio.open(raster) as ds:
        left, bottom, right, top = bounds(Window(*window), ds.transform)
        return list(transform_bounds(ds.crs, "EPSG:4326", left, bottom, right, top))


def _stretch(rgb: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    scaled = (rgb.astype(np.float32) - low[:, None, None]) / np.maximum(high - low, 1e-6)[
        :, None, None
    ]
    return np.clip(scaled, 0, 1).transpose(1, 2, 0)


def _query_image(raster: Path, bbox: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import rasterio
    from rasterio.warp import transform_bounds
    from rasterio.windows import from_bounds

    with rasterio.open(raster) as ds:
        native = transform_bounds("EPSG:4326", ds.crs, *bbox)
        window = from_bounds(*native, transform=ds.transform).round_offsets().round_lengths()
        data = ds.read([3, 2, 1], window=window)  # stored as B2, B3, B4 -> show R, G, B
        whole = ds.read([3, 2, 1], out_shape=(3, 256, 256))
    low = np.percentile(whole.reshape(3, -1), 2, axis=1)
    high = np.percentile(whole.reshape(3, -1), 98, axis=1)
    return data, low, high


def write_contact_sheet(result: Any, raster: Path, bbox: list[float], path: Path) -> Path:
    """Query region beside its top results (decoded tiles), labelled with rank and distance."""
    import warnings

    # Debian's QGIS brings its own matplotlib beside the venv's; only its 3D toolkit notices.
    warnings.filterwarnings("ignore", message="Unable to import Axes3D")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import rasterio

    query, low, high = _query_image(raster, bbox)
    hits = [h for h in result.hits if h.decoded][:8]
    cols = 1 + max(len(hits), 1)
    fig, axes = plt.subplots(1, cols, figsize=(2.2 * cols, 2.6), squeeze=False)
    axes[0][0].imshow(_stretch(query, low, high))
    axes[0][0].set_title("query region", fontsize=9)
    for ax, hit in zip(axes[0][1:], hits, strict=False):
        with rasterio.open(hit.decoded) as ds:
            tile = ds.read([3, 2, 1]) if ds.count >= 3 else ds.read([1, 1, 1])
        ax.imshow(_stretch(tile, low, high))
        ax.set_title(f"#{hit.rank}  d={hit.distance}\n{Path(hit.source).stem[-14:]}", fontsize=8)
    for ax in axes[0]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("SCI-CBIR: query region and most similar archive tiles (decoded)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.86))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_demo(out: str | Path = "demo-output", k: int = 8, samples: str | Path = SAMPLES) -> dict:
    """Build the two sample archives, query, write the files; return the figures printed."""
    from scicbir.archive.compress import compress_folder
    from scicbir.archive.info import archive_info
    from scicbir.models import resolve_model
    from scicbir.progress import no_progress
    from scicbir.search.api import search

    samples = Path(samples)
    if not (samples / QUERY_RASTER).is_file():
        raise InputError(
            f"sample rasters not found in {samples}; run from a checkout of the repository or "
            "pass --samples pointing at its resources/samples folder"
        )
    paths = DemoPaths(Path(out))
    paths.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"out": str(paths.out.resolve())}

    landsat = sorted(samples.glob("landsat8_*.tif"))
    rgb_started = time.perf_counter()
    rgb_dir = paths.out / "landsat-sources"
    rgb_dir.mkdir(exist_ok=True)
    for raster in landsat:  # the RGB archive takes the Landsat crops only
        link = rgb_dir / raster.name
        if not link.exists():
            link.symlink_to(raster.resolve())
    # The shipped default model for each band layout: RGB for the Landsat true-colour crops,
    # the 12-band Sentinel-2 model for the EuroSAT (13 bands, B10 dropped) and BigEarthNet tiles.
    rgb_model = str(resolve_model(None, num_bands=3).path)
    s2_model = str(resolve_model(None, num_bands=12).path)
    summaries = {
        "rgb": compress_folder(rgb_dir, paths.rgb_archive, rgb_model, progress=no_progress),
        "sentinel2": compress_folder(
            samples / "sentinel2", paths.s2_archive, s2_model, progress=no_progress
        ),
    }
    report["compress_seconds"] = round(time.perf_counter() - rgb_started, 1)
    for name, summary in summaries.items():
        if not summary.ok:
            failures = "; ".join(f"{s.path}: {s.error}" for s in summary.failed)
            raise InputError(f"compressing the {name} samples failed: {failures}")
    report["archives"] = {
        "rgb": archive_info(paths.rgb_archive),
        "sentinel2": archive_info(paths.s2_archive),
    }

    report["stac"] = export_stac(paths)

    query_raster = rgb_dir / QUERY_RASTER
    bbox = query_bbox_wgs84(query_raster, QUERY_WINDOW)
    started = time.perf_counter()
    result = search(
        paths.rgb_archive,
        raster=query_raster,
        bbox=bbox,
        crs="EPSG:4326",
        k=k,
        out=paths.results_gpkg,
        decode=paths.tiles_dir,
    )
    report["query_seconds"] = round(time.perf_counter() - started, 3)
    report["query"] = {"raster": str(query_raster), "bbox_wgs84": [round(v, 5) for v in bbox]}
    report["result"] = result
    write_contact_sheet(result, query_raster, bbox, paths.contact_sheet)
    report["files"] = {
        "results_gpkg": str(paths.results_gpkg),
        "result_tiles": str(paths.tiles_dir),
        "contact_sheet": str(paths.contact_sheet),
        "archives": [str(paths.rgb_archive), str(paths.s2_archive)],
    }
    return report


def export_stac(paths: DemoPaths) -> dict[str, Any]:
    """Both archives as STAC Collections under ``stac/``, linked by one root ``catalog.json``
    (a second run rewrites nothing that did not change); read back with pystac to be sure."""
    import pystac

    from scicbir.stac.export import run_stac_export
    from scicbir.stac.requests import StacExportRequest
    from scicbir.stac.root import write_root_catalog

    collections, items = [], 0
    for archive in (paths.rgb_archive, paths.s2_archive):
        answer = run_stac_export(StacExportRequest(str(archive), str(paths.stac / archive.name)))
        collections.append(Path(answer.collection))
        items += answer.items
    root = write_root_catalog(
        paths.stac,
        collections,
        "scicbir-demo",
        "The archives of the SCI-CBIR demo: the Landsat 8 crops (RGB model) and the Sentinel-2 "
        "tiles (12-band model), one Collection each, one Item per source raster.",
    )
    catalog = pystac.Catalog.from_file(str(root))
    read_back = sum(len(list(c.get_items())) for c in catalog.get_children())
    if read_back != items:
        raise RuntimeError(f"{root}: pystac reads {read_back} items, {items} were written")
    return {"catalog": str(root), "collections": [str(c) for c in collections], "items": items}


def format_report(report: dict) -> str:
    """The human summary printed by ``scicbir demo``."""
    lines = ["SCI-CBIR demo", ""]
    for name, info in report["archives"].items():
        model = (info.get("model") or {}).get("model_id", "?")
        ratio = info.get("compression_ratio")
        lines.append(
            f"archive {name:<9} {info['tiles']:>4} tiles from {info['sources']} sources, "
            f"model {model}"
        )
        lines.append(
            f"  source raw {info['raw_bytes'] / 1e6:6.2f} MB -> streams "
            f"{(info['stream_bytes'] + info['mask_bytes']) / 1e6:6.3f} MB"
            + (f" (ratio {ratio:.1f}x)" if ratio else "")
            + f", mean {info['mean_bpp']:.3f} bpp, mean PSNR {info['mean_psnr_db']:.2f} dB"
        )
    lines.append(f"compress time {report['compress_seconds']} s (0 when the archives were current)")
    result = report["result"]
    lines += [
        "",
        f"query: {len(result.query_tiles)} tiles of {Path(report['query']['raster']).name} "
        f"inside lon/lat box {report['query']['bbox_wgs84']}",
        f"query time {report['query_seconds'] * 1000:.0f} ms (hash {result.backend}, "
        f"{result.excluded} tiles of the query area excluded), {result.bits}-bit codes",
        "top results:",
    ]
    for hit in result.hits:
        lines.append(
            f"  #{hit.rank:<2} tile {hit.tile_id:<5} distance {hit.distance:>2} "
            f"(similarity {hit.similarity:.3f})  {Path(hit.source).name} "
            f"window col {hit.col} row {hit.row}"
        )
    files = report["files"]
    lines += [
        "",
        f"result tiles (GeoTIFF): {files['result_tiles']}",
        f"result footprints (GeoPackage): {files['results_gpkg']}",
        f"contact sheet (PNG): {files['contact_sheet']}",
        f"STAC catalog of both archives ({report['stac']['items']} items, opens with pystac): "
        f"{report['stac']['catalog']}",
        "",
        "Open in QGIS: install the plugin (python3 scripts/build_plugin.py deploy), enable",
        f"'SCI-CBIR' in Plugins, open the panel, choose the archive folder {files['archives'][0]},",
        "add a raster layer and draw a region; or drag the results GeoPackage and the archive's",
        "catalog.gpkg onto the map.",
    ]
    return "\n".join(lines)
