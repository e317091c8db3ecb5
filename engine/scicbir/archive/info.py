"""Figures about an archive: what it holds, how small it is, which model made it.

``compression_ratio`` is the raw size of the stored bands of every source (width x height x
bytes per sample, each band on its own grid) over the bytes of their bitstreams; ``pack_bytes``
also counts records no tile refers to any more (replaced sources), which ``dead_bytes`` shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scicbir.archive.index import INDEX_META
from scicbir.archive.packs import check_pack_lengths
from scicbir.archive.store import CATALOG, PACKS, Archive


def archive_info(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    with Archive.open(folder, read_only=True) as archive:
        conn = archive.catalog.conn
        row = conn.execute(
            "SELECT count(*), coalesce(sum(length), 0), coalesce(sum(coalesce(mask_length, 0)), 0),"
            " avg(bpp), avg(psnr), sum(1 - georeferenced) FROM tiles"
        ).fetchone()
        tiles, stream_bytes, mask_bytes, mean_bpp, mean_psnr, pixel_space = row
        src = conn.execute(
            "SELECT count(*), coalesce(sum(raw_bytes), 0), coalesce(sum(size), 0),"
            " coalesce(sum(empty_tiles), 0) FROM sources"
        ).fetchone()
        crs = [r[0] for r in conn.execute("SELECT DISTINCT crs FROM tiles ORDER BY crs") if r[0]]
        pack_bytes = sum(p.stat().st_size for p in (folder / PACKS).glob("pack-*.bin"))
        try:
            index_meta = json.loads((folder / INDEX_META).read_text())
        except (OSError, ValueError):
            index_meta = {}
        generation = archive.catalog.generation
        damage = check_pack_lengths(folder / PACKS, archive.catalog.pack_ends())
        stored = stream_bytes + mask_bytes
        return {
            "archive": str(folder.resolve()),
            "format_version": int(archive.catalog.meta().get("format_version", "0")),
            "model": archive.model.as_dict() if archive.model else None,
            "sources": src[0],
            "tiles": tiles,
            "empty_tiles_skipped": src[3],
            "non_georeferenced_tiles": int(pixel_space or 0),
            "crs": crs,
            "source_file_bytes": src[2],
            "raw_bytes": src[1],
            "stream_bytes": stream_bytes,
            "mask_bytes": mask_bytes,
            "pack_bytes": pack_bytes,
            "dead_bytes": max(0, pack_bytes - stored - 12 * (tiles + _masks(conn))),
            "catalog_bytes": (folder / CATALOG).stat().st_size,
            "compression_ratio": (src[1] / stored) if stored else None,
            "mean_bpp": mean_bpp,
            "mean_psnr_db": mean_psnr,
            "index": {
                "tiles": index_meta.get("ntotal"),
                "current": index_meta.get("generation") == generation,
            },
            # packs missing or shorter than the catalog (cheap; 'archive verify' checks records)
            "damage": damage,
        }


def _masks(conn) -> int:
    return conn.execute("SELECT count(*) FROM tiles WHERE mask_offset IS NOT NULL").fetchone()[0]
