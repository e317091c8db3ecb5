"""Realistic Sentinel-2 product folders (SAFE layout) written from a committed BigEarthNet patch.

A real product is 600-800 MB, so tests build one: the patch's band files (BigEarthNet keeps
each band at its native 10, 20 or 60 m) are written as lossless JPEG 2000 into the Level-2A
layout (``R10m``/``R20m``/``R60m``, the coarser copies of the finer bands, SCL/AOT/WVP/TCI, a
``QI_DATA`` mask) or the Level-1C one (every band once, plus B10 and TCI), with the real
naming. Pixels are the patch's own, so a product must give the same archive tiles as the
patch's GeoTIFF folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling

TILE, SENSED = "T29SND", "20170613T101031"
NATIVE = {"B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20, "B07": 20,
          "B08": 10, "B8A": 20, "B09": 60, "B11": 20, "B12": 20}  # fmt: skip
#: the bands Level-2A repeats at 20 m and 60 m (ESA's product format specification)
L2A_AT = {20: ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B11", "B12"],
          60: ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B09", "B11", "B12"]}  # fmt: skip


def _band_file(patch: Path, band: str) -> Path:
    return next(patch.glob(f"*_{band}.tif"))


#: JPEG 2000 tile size of the written bands: small, so that a 64 px tile grid crosses the
#: block rows a reader decodes (real products use 1024 or so on far larger bands)
JP2_BLOCK = 32


def _write_jp2(path: Path, data: np.ndarray, profile: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = dict(profile, driver="JP2OpenJPEG", count=data.shape[0], QUALITY=100, REVERSIBLE="YES",
               BLOCKXSIZE=JP2_BLOCK, BLOCKYSIZE=JP2_BLOCK)  # fmt: skip
    for key in ("tiled", "blockxsize", "blockysize", "compress", "interleave", "photometric"):
        out.pop(key, None)
    with rasterio.open(path, "w", **out) as dst:
        dst.write(data)


def _at(patch: Path, band: str, metres: int) -> tuple[np.ndarray, dict]:
    """The band's pixels on a ``metres`` grid: its own when native, averaged down to a coarser
    grid, repeated onto a finer one (Level-2A's B01 at 20 m)."""
    with rasterio.open(_band_file(patch, band)) as src:
        scale = metres / NATIVE[band]
        shape = (1, round(src.height / scale), round(src.width / scale))
        resampling = Resampling.average if scale > 1 else Resampling.nearest
        data = src.read(out_shape=shape, resampling=resampling)
        profile = dict(src.profile, width=shape[2], height=shape[1])
        profile["transform"] = src.transform * src.transform.scale(scale, scale)
    return data, profile


def write_l2a_product(patch: Path, parent: Path) -> Path:
    """A Level-2A product of ``patch`` under ``parent``; returns the ``.SAFE`` folder."""
    product = parent / f"S2A_MSIL2A_{SENSED}_N0205_R022_{TILE}_{SENSED}.SAFE"
    granule = product / "GRANULE" / f"L2A_{TILE}_A010239_{SENSED}"
    (product / "MTD_MSIL2A.xml").parent.mkdir(parents=True, exist_ok=True)
    (product / "MTD_MSIL2A.xml").write_text("<n1:Level-2A_User_Product/>\n")
    for band, native in NATIVE.items():
        for metres in sorted({native, *(m for m, bands in L2A_AT.items() if band in bands)}):
            data, profile = _at(patch, band, metres)
            name = f"{TILE}_{SENSED}_{band}_{metres}m.jp2"
            _write_jp2(granule / "IMG_DATA" / f"R{metres}m" / name, data, profile)
    rgb, profile = [], None
    for band in ("B04", "B03", "B02"):
        data, profile = _at(patch, band, 10)
        rgb.append(np.clip(data[0] // 8, 0, 255).astype(np.uint8))
    _write_jp2(granule / "IMG_DATA" / "R10m" / f"{TILE}_{SENSED}_TCI_10m.jp2", np.stack(rgb),
               dict(profile, dtype="uint8", nodata=None))  # fmt: skip
    scl, profile20 = _at(patch, "B05", 20)
    for name in ("SCL", "AOT", "WVP"):
        _write_jp2(granule / "IMG_DATA" / "R20m" / f"{TILE}_{SENSED}_{name}_20m.jp2",
                   (scl % 11).astype(np.uint8), dict(profile20, dtype="uint8", nodata=None))  # fmt: skip
    _write_jp2(granule / "QI_DATA" / "MSK_CLDPRB_20m.jp2", (scl % 100).astype(np.uint8),
               dict(profile20, dtype="uint8", nodata=None))  # fmt: skip
    return product


def write_l1c_product(patch: Path, parent: Path) -> Path:
    """A Level-1C product of ``patch`` (every band once at its native resolution, B10 made from
    B09's grid, TCI) under ``parent``; returns the ``.SAFE`` folder."""
    product = parent / f"S2A_MSIL1C_{SENSED}_N0205_R022_{TILE}_{SENSED}.SAFE"
    granule = product / "GRANULE" / f"L1C_{TILE}_A010239_{SENSED}"
    product.mkdir(parents=True, exist_ok=True)
    (product / "MTD_MSIL1C.xml").write_text("<n1:Level-1C_User_Product/>\n")
    for band, native in NATIVE.items():
        data, profile = _at(patch, band, native)
        _write_jp2(granule / "IMG_DATA" / f"{TILE}_{SENSED}_{band}.jp2", data, profile)
    data, profile = _at(patch, "B09", 60)
    _write_jp2(granule / "IMG_DATA" / f"{TILE}_{SENSED}_B10.jp2", data // 10, profile)
    tci, profile = _at(patch, "B04", 10)
    _write_jp2(granule / "IMG_DATA" / f"{TILE}_{SENSED}_TCI.jp2",
               np.repeat(np.clip(tci // 8, 0, 255).astype(np.uint8), 3, axis=0),
               dict(profile, dtype="uint8", nodata=None))  # fmt: skip
    return product
