"""Decoding archive tiles back to GeoTIFFs in the source's own georeference and units.

A tile, or a whole source raster re-assembled from its tiles, is written with the source's CRS,
geotransform (shifted to the tile's window), dtype and nodata, its bands in the source's band
order (ascending raster band numbers) with their names as band descriptions. Windows of the
source that held only nodata were never stored and come back as nodata. The file is written as
a plain tiled GeoTIFF next to the target and then copied into a Cloud Optimized GeoTIFF (GDAL's
COG driver), which costs one extra pass over a file that is already compressed. Its metadata
names the model (id, checksum, rate point), the bits per pixel its tiles took, the archive and
the source (``SCICBIR_*`` items; ``gdalinfo`` shows them).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np

from scicbir.archive.catalog import TileRecord
from scicbir.archive.store import Archive, decoded_nodata, to_source_units
from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress, no_progress

BATCH = 8


def _profile(archive: Archive, source: dict, tile: TileRecord, width: int, height: int) -> dict:
    from affine import Affine
    from rasterio.crs import CRS

    bands = sorted(tile.source_bands)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": len(bands),
        "dtype": tile.dtype,
        "nodata": decoded_nodata(tile.dtype, tile.nodata),  # NaN for float sources without one
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    if source["georeferenced"]:
        profile["crs"] = CRS.from_wkt(source["crs_wkt"])
        profile["transform"] = Affine(*json.loads(source["transform"]))
    return profile


def _band_names(source: dict, bands: list[int]) -> list[str | None]:
    names = json.loads(source["band_names"])
    return [names[b - 1] if b - 1 < len(names) else None for b in bands]


def _tags(archive: Archive, source_key: str, bits: int, bpp: float, **extra: object) -> dict:
    """GeoTIFF metadata that says where a decoded raster came from: the model (id, checksum,
    rate point), the bits its tiles took per pixel, the archive and the source, so that the
    file explains itself in any GIS (``gdalinfo`` lists them; QGIS shows them)."""
    from scicbir import __version__

    model = archive.model
    tags = {
        "TIFFTAG_SOFTWARE": f"scicbir {__version__}",
        "SCICBIR_MODEL": model.model_id,
        "SCICBIR_MODEL_CHECKSUM": model.checksum,
        "SCICBIR_ARCHIVE": str(archive.folder),
        "SCICBIR_SOURCE": source_key,
        "SCICBIR_BPP": f"{bpp:.10g}",
        "SCICBIR_STREAM_BITS": str(bits),
    }
    if model.quality is not None:
        tags["SCICBIR_QUALITY"] = str(model.quality)
    tags.update({f"SCICBIR_{k.upper()}": str(v) for k, v in extra.items()})
    return tags


def _write_cog(tmp: Path, out: Path) -> None:
    from rasterio.shutil import copy as copy_raster

    try:
        copy_raster(tmp, out, driver="COG", compress="deflate")
    finally:
        tmp.unlink(missing_ok=True)


def _tmp_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.tmp-{os.getpid()}.tif")


def _chunks(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def decode_tile_to_file(archive: Archive, tile_id: int, out: str | Path) -> Path:
    """Write one tile (its valid window) as a GeoTIFF; returns the path."""
    import rasterio
    from rasterio.windows import Window, transform

    tile = archive.tile(int(tile_id))
    source = archive.catalog.source(tile.source_path)
    pixels = archive.decode_tile(tile)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = _profile(archive, source, tile, tile.valid_width, tile.valid_height)
    if "transform" in profile:
        window = Window(tile.col, tile.row, tile.valid_width, tile.valid_height)
        profile["transform"] = transform(window, profile["transform"])
    profile["blockxsize"] = profile["blockysize"] = 16 * max(1, min(16, tile.width // 16))
    tmp = _tmp_path(out)
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(pixels)
        for k, name in enumerate(_band_names(source, sorted(tile.source_bands)), start=1):
            if name:
                dst.set_band_description(k, name)
        window = f"{tile.col},{tile.row},{tile.valid_width},{tile.valid_height}"
        dst.update_tags(
            **_tags(archive, tile.source_path, tile.bits, tile.bpp, tile_id=tile.id,
                    window=window)
        )  # fmt: skip
    _write_cog(tmp, out)
    return out


def decode_source(
    archive: Archive,
    source_path: str | Path,
    out: str | Path,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    damaged: list[int] | None = None,
) -> Path:
    """Re-assemble a whole source raster from its tiles into a GeoTIFF; returns the path.

    A tile whose record is damaged does not stop the source: its window is left as nodata (0
    for an integer source without a nodata value, NaN for a float one), its id is appended to ``damaged`` and a warning names them all,
    so that one bad record costs one tile, not the raster.
    """
    damaged = damaged if damaged is not None else []
    import rasterio
    from rasterio.windows import Window

    progress = progress or no_progress
    key = archive.source_key(source_path)
    if key is None:
        raise InputError(
            f"archive {archive.folder} holds no source '{source_path}'; "
            f"'scicbir archive info {archive.folder} --json' lists its sources",
            source=str(source_path),
        )
    source = archive.catalog.source(key)
    count = archive.catalog.count_tiles(key)
    if not count:
        raise InputError(f"source '{key}' has no stored tiles (it held only nodata)", source=key)
    first = next(archive.catalog.iter_tiles(key))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    profile = _profile(archive, source, first, source["width"], source["height"])
    codec = archive.codec()
    tmp = _tmp_path(out)
    try:
        with rasterio.open(tmp, "w", **profile) as dst:
            if profile["nodata"] is not None:
                # Unstored (nodata-only) windows must read back as nodata, not zero.
                fill = np.full(
                    (profile["count"], 256, 256), profile["nodata"], dtype=profile["dtype"]
                )
                for r in range(0, source["height"], 256):
                    for c in range(0, source["width"], 256):
                        w, h = min(256, source["width"] - c), min(256, source["height"] - r)
                        dst.write(fill[:, :h, :w], window=Window(c, r, w, h))
            for k, name in enumerate(_band_names(source, sorted(first.source_bands)), start=1):
                if name:
                    dst.set_band_description(k, name)
            done = bits = 0
            for batch in _chunks(archive.catalog.iter_tiles(key), BATCH):
                if cancel is not None:
                    cancel.raise_if_cancelled("decode")
                for tile, pixels in _decode_batch(archive, codec, batch, damaged):
                    window = Window(tile.col, tile.row, tile.valid_width, tile.valid_height)
                    dst.write(pixels, window=window)
                bits += sum(tile.bits for tile in batch)
                done += len(batch)
                progress(done, count, f"decoding {Path(key).name}")
            # bpp over the whole raster: windows of nodata only took no bits
            bpp = bits / max(1, source["width"] * source["height"])
            dst.update_tags(
                **_tags(archive, key, bits, bpp, tiles=count,
                        damaged_tiles=len(damaged))
            )  # fmt: skip
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_cog(tmp, out)
    if damaged:
        shown = ", ".join(str(t) for t in damaged[:20]) + (" ..." if len(damaged) > 20 else "")
        warnings.warn(
            f"{len(damaged)} damaged tile(s) of {key} left as nodata in {out} (tile ids {shown}); "
            f"run 'scicbir archive verify {archive.folder}'",
            DamagedTilesWarning,
            stacklevel=2,
        )
    return out


class DamagedTilesWarning(UserWarning):
    """Tiles whose records are damaged were skipped (decode) or flagged (search)."""


def _decode_batch(archive: Archive, codec, batch: list[TileRecord], damaged: list[int]):
    """(tile, pixels) of the tiles of ``batch`` that decode; the others go to ``damaged``."""
    streams = []
    readable = []
    for tile in batch:
        try:
            streams.append(archive.read_stream(tile))
            readable.append(tile)
        except InputError:
            damaged.append(tile.id)
    try:
        decoded = list(codec.decode_many(streams)) if streams else []
    except Exception:  # a stream that passed its record CRC but not the decoder: find it
        decoded = []
        for tile, stream in zip(list(readable), streams, strict=True):
            try:
                decoded.append(codec.decode(stream))
            except Exception:
                readable.remove(tile)
                damaged.append(tile.id)
    for tile, normalised in zip(readable, decoded, strict=True):
        try:
            mask = archive.read_mask(tile)
        except InputError:
            damaged.append(tile.id)
            continue
        yield tile, to_source_units(tile, normalised, mask)
