"""``run_stac_export``: an archive folder as a static STAC catalog (one Collection, one Item per
source raster), written again incrementally.

The archive is opened read-only (as search and ``archive info`` open it): nothing in the archive
folder is written. The STAC folder holds ``collection.json`` and ``<item id>/<item id>.json``
(pystac's self-contained layout: relative links, no self links). A second export into the same
folder writes only the files whose content changed, adds the Items of new sources and deletes
those of sources the archive no longer holds; it refuses a folder holding another archive's
collection (or any other ``collection.json``), so it never deletes files it did not write.
Every object is checked against the bundled schemas before anything is written.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from scicbir.errors import InputError
from scicbir.progress import CancelToken, Progress, no_progress
from scicbir.stac.requests import StacExportAnswer, StacExportRequest

COLLECTION_FILE = "collection.json"


def run_stac_export(
    request: StacExportRequest,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> StacExportAnswer:
    """Export ``request.archive`` into ``request.out``; returns what was added, changed, removed."""
    from scicbir.archive.store import Archive

    started = time.perf_counter()
    progress = progress or no_progress
    folder = Path(request.archive).resolve()
    out = Path(request.out).resolve()
    if out == folder:
        raise InputError(
            f"the STAC folder {out} is the archive folder itself; give another folder, e.g. "
            f"{folder.parent / (folder.name + '-stac')}",
            out=str(out),
            reason="stac_out_is_archive",
        )
    with Archive.open(folder, read_only=True) as archive:
        if archive.model is None:
            raise InputError(
                f"archive {folder} holds no tiles and no model yet; compress rasters into it "
                "first ('scicbir compress SRC --archive DIR')",
                archive=str(folder),
                reason="archive_empty",
            )
        snapshot = read_snapshot(archive, folder)
    previous = previous_items(out, folder)
    prepare_folder(out)
    return write_catalog(request, snapshot, out, previous, progress, cancel, started)


def read_snapshot(archive, folder: Path) -> dict[str, Any]:
    """Everything the export needs from the catalog, read in one go (so the archive is held
    open only briefly and the export describes one committed state)."""
    from scicbir.stac.items import ArchiveFacts, TileStats

    conn = archive.catalog.conn
    meta = archive.catalog.meta()
    model = archive.model
    facts = ArchiveFacts(
        folder=folder,
        model_id=model.model_id,
        model_checksum=model.checksum,
        quality=model.quality,
        hash_bits=model.hash_bits,
        tile_size=model.tile_size,
        bands=tuple(model.bands),
    )
    stats: dict[str, TileStats] = {}
    packs: dict[str, set[str]] = {}
    for path, pack in conn.execute("SELECT DISTINCT source_path, pack FROM tiles"):
        packs.setdefault(path, set()).add(pack)
    for path, count, bpp, psnr in conn.execute(
        "SELECT source_path, count(*), avg(bpp), avg(psnr) FROM tiles GROUP BY source_path"
    ):
        stats[path] = TileStats(
            int(count), _number(bpp), _number(psnr), tuple(sorted(packs.get(path, ())))
        )
    return {
        "facts": facts,
        "format_version": int(meta.get("format_version", "1")),
        "sources": archive.sources(),
        "stats": stats,
        "packs": sorted({p for names in packs.values() for p in names}),
        "has_index": (folder / "index.faiss").is_file(),
    }


def previous_items(out: Path, folder: Path) -> dict[str, Path]:
    """Item id -> file of the Items an earlier export of this archive wrote into ``out``.

    ``InputError`` when ``out`` holds a ``collection.json`` that is not an export of this archive
    (another archive's, or not written by this command): writing there would mix two catalogs
    and delete Items that are not ours.
    """
    path = out / COLLECTION_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path} exists but cannot be read as JSON ({exc}); choose an empty folder for the "
            "STAC catalog, or delete that file to export into this folder again",
            out=str(out),
            reason="stac_out_not_ours",
        ) from exc
    owner = data.get("scicbir:archive") if isinstance(data, dict) else None
    if owner != str(folder):
        what = f"the export of archive {owner}" if owner else "not an export of a scicbir archive"
        raise InputError(
            f"{path} is {what}, not of {folder}; choose an empty folder (or the folder of an "
            "earlier export of this archive) for the STAC catalog",
            out=str(out),
            reason="stac_out_not_ours",
        )
    found: dict[str, Path] = {}
    for link in data.get("links", []):
        if isinstance(link, dict) and link.get("rel") == "item" and link.get("href"):
            item = (out / str(link["href"])).resolve()
            if item.is_relative_to(out):
                found[item.stem] = item
    return found


def prepare_folder(out: Path) -> None:
    """Create ``out`` and prove it can be written, or say which folder and what to do."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".scicbir-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write the STAC catalog into {out} ({exc.strerror or exc}); choose a folder "
            "you can write to, or fix its permissions or free space",
            out=str(out),
            reason="stac_out_not_writable",
        ) from exc


def write_catalog(
    request: StacExportRequest,
    snapshot: dict[str, Any],
    out: Path,
    previous: dict[str, Path],
    progress: Progress,
    cancel: CancelToken | None,
    started: float,
) -> StacExportAnswer:
    """Build, check and save the Collection and its Items; delete the Items of removed sources."""
    import pystac

    from scicbir.stac.facts import source_facts
    from scicbir.stac.items import TileStats, add_assets, build_item
    from scicbir.stac.validate import stac_problems
    from scicbir.stac.writer import KeepUnchangedIO

    facts = snapshot["facts"]
    sources = snapshot["sources"]
    total = len(sources) + 1
    items, licences = [], []
    for done, source in enumerate(sources):
        if cancel is not None:
            cancel.raise_if_cancelled("STAC export")
        progress(done, total, Path(source["path"]).name)
        stats = snapshot["stats"].get(source["path"], TileStats(0, None, None, ()))
        source_fact = source_facts(source)
        licences.append(source_fact.license)
        items.append((build_item(source, stats, source_fact, facts), source, stats))
    collection = build_collection(request, snapshot, [i for i, _, _ in items], licences)
    collection.set_self_href(str(out / COLLECTION_FILE))
    for item, source, stats in items:
        collection.add_item(item)
        add_assets(item, source, stats, facts)
    checked = 0
    for obj in [collection, *(i for i, _, _ in items)]:
        problems = stac_problems(obj.to_dict(include_self_link=False))
        if problems:
            raise RuntimeError(f"STAC object {obj.id} fails its schemas: {problems[:3]}")
        checked += 1
    if cancel is not None:
        cancel.raise_if_cancelled("STAC export")
    progress(len(sources), total, f"writing {out}")
    writer = KeepUnchangedIO()
    collection.save(catalog_type=pystac.CatalogType.SELF_CONTAINED, stac_io=writer)
    current = {Path(i.get_self_href()).resolve() for i, _, _ in items}
    removed = []
    for item_id, path in sorted(previous.items()):
        if path not in current:
            path.unlink(missing_ok=True)
            _remove_if_empty(path.parent, out)
            removed.append(item_id)
    progress(total, total, "done")
    collection_path = (out / COLLECTION_FILE).resolve()
    changed = {p.resolve() for p in writer.added + writer.updated}
    return StacExportAnswer(
        archive=str(facts.folder),
        out=str(out),
        collection=str(collection_path),
        items=len(items),
        added=sorted(p.stem for p in writer.added if p.resolve() != collection_path),
        updated=sorted(p.stem for p in writer.updated if p.resolve() != collection_path),
        removed=removed,
        unchanged=sum(1 for p in writer.unchanged if p.resolve() != collection_path),
        collection_changed=collection_path in changed,
        validated=checked,
        seconds=round(time.perf_counter() - started, 3),
    )


def build_collection(request: StacExportRequest, snapshot: dict[str, Any], items, licences):
    """The archive's Collection: extents over its Items, model facts, bands, assets."""
    import pystac
    from pystac.extensions.eo import EOExtension
    from pystac.extensions.projection import ProjectionExtension

    from scicbir.stac.items import BINARY, GEOPACKAGE, eo_bands, href_from

    facts = snapshot["facts"]
    folder: Path = facts.folder
    boxes = [i.bbox for i in items if i.bbox]
    bbox = (
        [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
         max(b[3] for b in boxes)]
        if boxes
        else [-180.0, -90.0, 180.0, 90.0]
    )  # fmt: skip
    times = sorted(i.datetime for i in items if i.datetime)
    interval = [times[0], times[-1]] if times else [None, None]
    declared = set(licences)
    license_id = request.license or (
        declared.pop() if len(declared) == 1 and None not in declared else "other"
    )
    tiles = sum(i.properties["scicbir:tiles"] for i in items)
    bpps = [(i.properties["scicbir:bpp"], i.properties["scicbir:tiles"]) for i in items]
    psnrs = [(i.properties["scicbir:psnr"], i.properties["scicbir:tiles"]) for i in items]
    collection = pystac.Collection(
        id=collection_id(folder),
        title=request.title or f"SCI-CBIR archive {folder.name}",
        description=(
            f"Rasters compressed by the learned codec of model '{facts.model_id}' into the "
            f"archive folder {folder} ({len(items)} sources, {tiles} tiles of "
            f"{facts.tile_size} px), searchable by their {facts.hash_bits}-bit hash codes. "
            "Each Item is one source raster; its data assets are the packs holding its tile "
            "bitstreams, which decode only with that model (scicbir:decode)."
        ),
        extent=pystac.Extent(pystac.SpatialExtent([bbox]), pystac.TemporalExtent([interval])),
        license=license_id,
        catalog_type=pystac.CatalogType.SELF_CONTAINED,
        extra_fields={
            "scicbir:archive": str(folder),
            "scicbir:format_version": snapshot["format_version"],
            "scicbir:model_id": facts.model_id,
            "scicbir:model_checksum": facts.model_checksum,
            "scicbir:quality": facts.quality,
            "scicbir:hash_bits": facts.hash_bits,
            "scicbir:tile_size": facts.tile_size,
            "scicbir:bands": list(facts.bands),
            "scicbir:sources": len(items),
            "scicbir:tiles": tiles,
            "scicbir:bpp": _weighted(bpps),
            "scicbir:psnr": _weighted(psnrs),
            "scicbir:decode": {
                "tile": f"scicbir decode --archive {folder} --tile ID -o OUT.tif",
                "source": f"scicbir decode --archive {folder} --source PATH -o OUT.tif",
            },
        },
    )
    EOExtension.summaries(collection, add_if_missing=True).bands = eo_bands(facts)
    codes = sorted({i.properties["proj:code"] for i in items if i.properties.get("proj:code")})
    if codes:
        ProjectionExtension.summaries(collection, add_if_missing=True).code = codes
    stac_dir = Path(request.out).resolve()
    collection.add_asset(
        "catalog",
        pystac.Asset(
            href_from(folder / "catalog.gpkg", stac_dir),
            title="Archive catalog",
            description="GeoPackage with the tiles layer (footprints in EPSG:4326, hash codes, "
            "stream offsets), the sources table and the archive's facts; opens in QGIS",
            media_type=GEOPACKAGE,
            roles=["metadata"],
        ),
    )
    if snapshot["has_index"]:
        collection.add_asset(
            "index",
            pystac.Asset(
                href_from(folder / "index.faiss", stac_dir),
                title="Hash code index",
                description="faiss binary index of the tiles' hash codes (derived data)",
                media_type=BINARY,
                roles=["metadata"],
            ),
        )
    for pack in snapshot["packs"]:
        asset = pystac.Asset(
            href_from(folder / "packs" / pack, stac_dir),
            title=f"Tile bitstreams ({pack})",
            description="Pack of SCB1 records (docs/archive-format.md)",
            media_type=BINARY,
            roles=["data"],
        )
        collection.add_asset(pack.rsplit(".", 1)[0], asset)
        EOExtension.ext(asset, add_if_missing=True).bands = eo_bands(facts)
    return collection


def collection_id(folder: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.name).strip("-") or "archive"


def _weighted(pairs: list[tuple[float | None, int]]) -> float | None:
    known = [(v, n) for v, n in pairs if v is not None and n]
    count = sum(n for _, n in known)
    return sum(v * n for v, n in known) / count if count else None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _remove_if_empty(folder: Path, out: Path) -> None:
    if folder != out and folder.is_relative_to(out):
        try:
            os.rmdir(folder)
        except OSError:
            pass
