"""Encode every tile of a raster, decode it again and measure what the codec did.

The figures come from the real streams (bpp counts stream bytes) and the decoded pixels, so a
round trip is an end-to-end check of a model on a user's own raster: rate, PSNR, SSIM and
spectral angle per tile and averaged, plus encode/decode time, and the share of hash-code bits
that agree between the encoder side (y) and the decoder side (ŷ read back from the stream).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from scicbir.codec import metrics
from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress


def roundtrip_raster(
    path: str | Path,
    model: str | None = None,
    *,
    bands: list[str] | None = None,
    band_names: str | None = None,
    backend: str = "auto",
    batch_size: int = 16,
    max_tiles: int | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Round trip of every tile of the raster (file or one-file-per-band folder) at ``path``."""
    from scicbir.codec.codec import TileCodec
    from scicbir.models.registry import resolve_model
    from scicbir.rasters.bands import map_bands
    from scicbir.rasters.discover import find_sources
    from scicbir.rasters.source import RasterSource
    from scicbir.rasters.tiles import read_tiles

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist; give a raster file or a band-file folder")
    specs = find_sources(path)
    if len(specs) != 1:
        raise InputError(
            f"{path} holds {len(specs)} rasters; give one raster file or one patch folder"
        )
    spec = specs[0]
    with RasterSource(spec.path, spec.files, spec.band_names or None) as source:
        package = resolve_model(model, num_bands=None if model else source.count)
        cfg = package.config
        mapping = map_bands(
            str(spec.path),
            source.band_names,
            cfg.bands,
            explicit=bands,
            band_names=band_names,
            colour_interp=source.colour_interp,
        )
        codec = TileCodec(package, backend=backend, batch_size=batch_size)
        tiles = []
        for tile in read_tiles(source, cfg.tile_size, mapping.indexes):
            w = tile.window
            tiles.append((w, tile.data[:, : w.valid_height, : w.valid_width]))
            if max_tiles and len(tiles) >= max_tiles:
                break
        dtype = source.dtype
    if not tiles:
        raise InputError(f"{path}: every tile is nodata; nothing to encode")

    rows: list[dict[str, Any]] = []
    done = 0
    for start in range(0, len(tiles), codec.batch_size):
        if cancel is not None:
            cancel.raise_if_cancelled("round trip")
        chunk = tiles[start : start + codec.batch_size]
        # tiles of one batch share a size; edge tiles of other sizes go one by one
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (_, data) in enumerate(chunk):
            groups.setdefault(data.shape[1:], []).append(i)
        for indexes in groups.values():
            x = codec.normalisation.forward(np.stack([chunk[i][1] for i in indexes]))
            t0 = time.perf_counter()
            encoded = codec.encode(x)
            t1 = time.perf_counter()
            decoded = codec.decode_many([e.stream for e in encoded])
            t2 = time.perf_counter()
            side = codec.codes_from_streams([e.stream for e in encoded])
            for k, i in enumerate(indexes):
                window = chunk[i][0]
                enc = encoded[k]
                physical = codec.normalisation.to_dtype(
                    codec.normalisation.inverse(decoded[k]), dtype
                )
                agree = np.unpackbits(np.frombuffer(enc.code, np.uint8)) == np.unpackbits(
                    side.codes[k]
                )
                row = {
                    "col": window.col,
                    "row": window.row,
                    "width": enc.width,
                    "height": enc.height,
                    "bytes": enc.num_bytes,
                    **metrics.tile_metrics(x[k], decoded[k], enc.num_bytes),
                    "max_abs_error": float(
                        np.abs(physical.astype(np.float64) - chunk[i][1].astype(np.float64)).max()
                    ),
                    "code": enc.code.hex(),
                    "code_agreement": float(agree.mean()),
                    "encode_s": (t1 - t0) / len(indexes),
                    "decode_s": (t2 - t1) / len(indexes),
                }
                rows.append(row)
        done += len(chunk)
        if progress is not None:
            progress(done, len(tiles), "round trip")
    keys = ("bpp", "psnr", "ssim", "sa", "code_agreement", "encode_s", "decode_s")
    mean = metrics.mean_metrics([{k: r[k] for k in keys} for r in rows])
    return {
        "raster": str(path),
        "model": package.model_id,
        "checksum": package.checksum,
        "backend": codec.backend,
        "bands": [cfg.band_names[i] + f"<-{b}" for i, b in enumerate(mapping.indexes)],
        "tile_size": cfg.tile_size,
        "tiles": rows,
        "mean": mean,
    }
