"""One STAC Item per source raster of an archive, built from its catalog rows.

The Item describes the source as the archive holds it: where it lies (the raster's outline in
EPSG:4326, computed from the grid the catalog recorded with the same densified reprojection as
the catalog's tile footprints), its grid (``proj``), the model bands its tiles encode (``eo``),
how well it was coded, and where its bytes are (assets: the catalog and the packs holding its
tile bitstreams). Everything is a function of the catalog rows and the source's metadata, so an
unchanged source gives the same Item, byte for byte, on every export.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scicbir.stac.facts import SourceFacts

GEOPACKAGE = "application/geopackage+sqlite3"
BINARY = "application/octet-stream"

#: eo v1.1.0 common band names of the model band names this project uses
COMMON_NAMES = {
    "red": "red", "green": "green", "blue": "blue", "nir": "nir", "coastal": "coastal",
    "B01": "coastal", "B02": "blue", "B03": "green", "B04": "red", "B05": "rededge",
    "B06": "rededge", "B07": "rededge", "B08": "nir", "B8A": "nir08", "B09": "nir09",
    "B10": "cirrus", "B11": "swir16", "B12": "swir22",
}  # fmt: skip


@dataclass(frozen=True)
class ArchiveFacts:
    """The archive-wide facts every Item repeats (an Item is often read on its own)."""

    folder: Path  # absolute
    model_id: str
    model_checksum: str
    quality: int | None
    hash_bits: int
    tile_size: int
    bands: tuple[str, ...]


@dataclass(frozen=True)
class TileStats:
    """What the catalog's ``tiles`` rows of one source add up to."""

    tiles: int
    mean_bpp: float | None
    mean_psnr: float | None
    packs: tuple[str, ...]


def item_id(source_path: str) -> str:
    """A stable id: the file (or patch folder) name, and 8 hex digits of its full path so that
    two sources of the same name in different folders never share an Item."""
    name = Path(source_path).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "source"
    return f"{slug}-{hashlib.sha256(source_path.encode('utf-8')).hexdigest()[:8]}"


def href_from(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` when both lie under a common folder other than the
    filesystem root (the STAC folder and the archive moved together keep working), else
    absolute."""
    target, folder = target.resolve(), folder.resolve()
    try:
        common = Path(os.path.commonpath([target, folder]))
        if common == Path(common.anchor):
            return str(target)
        return os.path.relpath(target, folder)
    except ValueError:  # another drive
        return str(target)


def eo_bands(archive: ArchiveFacts, source: dict[str, Any] | None = None) -> list:
    """The model bands as eo ``Band`` objects; with a source, each says which raster band fed it."""
    from pystac.extensions.eo import Band

    feeding = json.loads(source["source_bands"]) if source else None
    names = json.loads(source["band_names"]) if source else None
    bands = []
    for k, name in enumerate(archive.bands):
        description = None
        if feeding is not None:
            raster_band = feeding[k]
            label = names[raster_band - 1] if names and raster_band - 1 < len(names) else None
            description = f"raster band {raster_band}" + (f" ({label})" if label else "")
        bands.append(
            Band.create(name=name, common_name=COMMON_NAMES.get(name), description=description)
        )
    return bands


def outline_wgs84(source: dict[str, Any], points_per_edge: int = 8) -> list[tuple[float, float]]:
    """The raster's outline as an EPSG:4326 ring, from the grid the catalog recorded."""
    from affine import Affine
    from rasterio.crs import CRS

    from scicbir.rasters.footprint import footprints_wgs84
    from scicbir.rasters.grid import TileWindow

    transform = Affine(*json.loads(source["transform"])[:6])
    crs = CRS.from_epsg(source["epsg"]) if source.get("epsg") else CRS.from_wkt(source["crs_wkt"])
    width, height = int(source["width"]), int(source["height"])
    whole = TileWindow(0, 0, max(width, height), width, height)
    return footprints_wgs84(transform, crs, [whole], points_per_edge)[0]


def build_item(
    source: dict[str, Any],
    stats: TileStats,
    facts: SourceFacts,
    archive: ArchiveFacts,
):
    """The Item of one ``sources`` row (assets are added by ``add_assets`` once its href is set)."""
    import pystac
    from pystac.extensions.projection import ProjectionExtension

    georeferenced = bool(source["georeferenced"])
    geometry = bbox = None
    if georeferenced:
        ring = outline_wgs84(source)
        geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        bbox = [min(xs), min(ys), max(xs), max(ys)]
    raw, stream = int(source["raw_bytes"]), int(source["stream_bytes"])
    properties: dict[str, Any] = {
        "scicbir:source_path": source["path"],
        "scicbir:source_files": json.loads(source["files"]),
        "scicbir:source_sha256": source["sha256"],
        "scicbir:datetime_from": facts.origin,
        "scicbir:model_id": archive.model_id,
        "scicbir:model_checksum": archive.model_checksum,
        "scicbir:quality": archive.quality,
        "scicbir:hash_bits": archive.hash_bits,
        "scicbir:tile_size": archive.tile_size,
        "scicbir:tiles": stats.tiles,
        "scicbir:empty_tiles": int(source["empty_tiles"]),
        "scicbir:bpp": stats.mean_bpp,
        "scicbir:psnr": stats.mean_psnr,
        "scicbir:stream_bytes": stream,
        "scicbir:raw_bytes": raw,
        "scicbir:compression_ratio": (raw / stream) if stream else None,
        "scicbir:source_bands": json.loads(source["source_bands"]),
        "scicbir:dtype": source["dtype"],
        "scicbir:nodata": source["nodata"],
        "scicbir:decode": (
            f"scicbir decode --archive {archive.folder} --source {source['path']} -o OUT.tif"
        ),
    }
    if facts.license:
        properties["license"] = facts.license
    item = pystac.Item(
        id=item_id(source["path"]),
        geometry=geometry,
        bbox=bbox,
        datetime=facts.acquired,
        properties=properties,
    )
    proj = ProjectionExtension.ext(item, add_if_missing=True)
    proj.shape = [int(source["height"]), int(source["width"])]
    if georeferenced:
        transform = [float(v) for v in json.loads(source["transform"])[:6]]
        if source.get("epsg"):
            proj.epsg = int(source["epsg"])
        else:
            proj.wkt2 = wkt2(source["crs_wkt"])
        proj.transform = transform
        proj.bbox = grid_bounds(transform, int(source["width"]), int(source["height"]))
    else:
        proj.code = None
    return item


def add_assets(item, source: dict[str, Any], stats: TileStats, archive: ArchiveFacts) -> None:
    """The catalog and the packs holding the source's tiles, as hrefs from the Item's folder."""
    import pystac
    from pystac.extensions.eo import EOExtension

    here = Path(item.get_self_href()).parent
    item.add_asset(
        "catalog",
        pystac.Asset(
            href_from(archive.folder / "catalog.gpkg", here),
            title="Archive catalog",
            description="GeoPackage: the tiles layer (footprints, hash codes, stream offsets) "
            "and the sources table; tiles of this source have source_path = "
            "scicbir:source_path",
            media_type=GEOPACKAGE,
            roles=["metadata"],
        ),
    )
    for pack in stats.packs:
        asset = pystac.Asset(
            href_from(archive.folder / "packs" / pack, here),
            title=f"Tile bitstreams ({pack})",
            description="Pack of SCB1 records; the catalog's tile rows give each tile's "
            "offset and length. Decode with the archive's model (scicbir:decode)",
            media_type=BINARY,
            roles=["data"],
        )
        item.add_asset(pack.rsplit(".", 1)[0], asset)
        EOExtension.ext(asset, add_if_missing=True).bands = eo_bands(archive, source)


def wkt2(wkt: str) -> str:
    """A CRS's WKT2 (2019), the form the projection extension asks for."""
    from rasterio.crs import CRS

    return CRS.from_wkt(wkt).to_wkt(version="WKT2_2019")


def grid_bounds(transform: list[float], width: int, height: int) -> list[float]:
    """``[minx, miny, maxx, maxy]`` of a pixel grid in its own CRS (any rotation)."""
    a, b, c, d, e, f = transform
    xs = [c + a * col + b * row for col in (0, width) for row in (0, height)]
    ys = [f + d * col + e * row for col in (0, width) for row in (0, height)]
    return [min(xs), min(ys), max(xs), max(ys)]
