"""Search results as files a GIS opens: a GeoPackage of footprints and decoded GeoTIFFs.

``write_results_gpkg`` writes two layers in EPSG:4326 (the CRS of the archive's catalog, so
results from sources in different CRSs sit in one layer and QGIS reprojects them on the fly):

- ``results``: one polygon per hit (the tile's valid pixels) with rank, tile id, Hamming
  distance, normalised similarity, tie-break score, the query tile it matched, source path,
  pixel window, source CRS and the decoded GeoTIFF's path when ``--decode`` made one;
- ``query``: the query tiles, so the map shows what was searched for;

and the query itself (``QueryRecord``: region WKT and CRS, raster or tile, archive, model id,
checksum and rate point, time) as the GeoPackage's metadata: GDAL key/value items
(``SCICBIR_*``, shown by ``ogrinfo`` and QGIS's layer properties) and one JSON record.
``write_results`` also writes GeoJSON (``results_geojson.py``) when the name ends in .geojson.

The file is written under a temporary name and renamed, so a reader never sees half of it and
an older results file is replaced whole. ``decode_hits`` writes each hit as a GeoTIFF with the
source's georeference, band order, dtype and nodata, using the archive's decoder.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any

from scicbir.archive import gpkg
from scicbir.errors import ArchiveDamagedError, InputError
from scicbir.progress import CancelToken, Progress
from scicbir.search.hits import SearchResult
from scicbir.search.query_record import QueryRecord

_RESULTS_SQL = """
CREATE TABLE results (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON, rank INTEGER NOT NULL,
  tile_id INTEGER NOT NULL, distance INTEGER NOT NULL, similarity REAL NOT NULL,
  soft_distance REAL, query_tile INTEGER NOT NULL, source TEXT NOT NULL, col INTEGER NOT NULL,
  row INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, crs TEXT,
  decoded TEXT);
CREATE TABLE query (
  fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON, query_tile INTEGER NOT NULL,
  raster TEXT, col INTEGER NOT NULL, row INTEGER NOT NULL, width INTEGER NOT NULL,
  height INTEGER NOT NULL, cover REAL NOT NULL, code_hex TEXT NOT NULL);
"""


def _envelope(rings: list[Any]) -> list[float] | None:
    points = [p for ring in rings if ring for p in ring]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs), max(ys)]


#: file name endings of the results formats ``write_results`` writes
RESULT_SUFFIXES = (".gpkg", ".geojson", ".json")
#: standard URI of the query record stored as JSON in a results GeoPackage's metadata
QUERY_RECORD_URI = "urn:scicbir:query-record:1"


def write_results(result: SearchResult, path: str | Path, query: QueryRecord | None = None) -> Path:
    """Write ``result`` (with the ``query`` that produced it) as a GeoPackage (``.gpkg``) or
    GeoJSON (``.geojson``/``.json``) file, chosen by the name; returns the path."""
    path = Path(path)
    check_results_path(path)
    if path.suffix.lower() == ".gpkg":
        return write_results_gpkg(result, path, query)
    from scicbir.search.results_geojson import write_results_geojson

    return write_results_geojson(result, path, query)


def check_results_path(path: Path) -> None:
    """Refuse a results file name that no writer takes, or a folder that is not there."""
    if path.suffix.lower() not in RESULT_SUFFIXES:
        raise InputError(
            f"{path}: results are written as a GeoPackage (.gpkg) or GeoJSON (.geojson); "
            "give a file name with one of these endings",
            file=str(path),
        )
    if not path.parent.exists():
        raise InputError(
            f"{path}: the folder {path.parent} does not exist; create it or choose another --out",
            file=str(path),
        )


def write_results_gpkg(
    result: SearchResult, path: str | Path, query: QueryRecord | None = None
) -> Path:
    """Write ``result`` to the GeoPackage ``path`` (replaced if it exists); returns the path.
    ``query`` goes into the GeoPackage's metadata (GDAL key/value items and a JSON record)."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(
            f"{path}: results are written as a GeoPackage; give a file name ending in .gpkg",
            file=str(path),
        )
    if not path.parent.exists():
        raise InputError(
            f"{path}: the folder {path.parent} does not exist; create it or choose another --out",
            file=str(path),
        )
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        with conn:
            gpkg.init_geopackage(conn)
            conn.executescript(_RESULTS_SQL)
            gpkg.register_features(conn, "results", "geom", 4326, "search results, best first")
            gpkg.register_features(conn, "query", "geom", 4326, "query tiles")
            conn.executemany(
                "INSERT INTO results (geom, rank, tile_id, distance, similarity, soft_distance,"
                " query_tile, source, col, row, width, height, crs, decoded)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        gpkg.polygon_blob(h.footprint, 4326) if h.footprint else None,
                        h.rank,
                        h.tile_id,
                        h.distance,
                        h.similarity,
                        h.soft_distance,
                        h.query_tile,
                        h.source,
                        h.col,
                        h.row,
                        h.width,
                        h.height,
                        h.crs,
                        h.decoded,
                    )
                    for h in result.hits
                ],
            )
            conn.executemany(
                "INSERT INTO query (geom, query_tile, raster, col, row, width, height, cover,"
                " code_hex) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        gpkg.polygon_blob(q.footprint, 4326) if q.footprint else None,
                        q.index,
                        result.raster,
                        q.col,
                        q.row,
                        q.valid_width,
                        q.valid_height,
                        q.cover,
                        q.code_hex,
                    )
                    for q in result.query_tiles
                ],
            )
            gpkg.update_extent(conn, "results", _envelope([h.footprint for h in result.hits]))
            gpkg.update_extent(conn, "query", _envelope([q.footprint for q in result.query_tiles]))
            if query is not None:
                xml = gpkg.gdal_metadata_xml(query.items())
                gpkg.add_metadata(conn, xml, "http://gdal.org", "text/xml")
                gpkg.add_metadata(conn, xml, "http://gdal.org", "text/xml", table="results")
                record = json.dumps(query.to_dict(), indent=1)
                gpkg.add_metadata(conn, record, QUERY_RECORD_URI, "application/json")
    finally:
        conn.close()
    os.replace(tmp, path)
    return path


def decode_hits(
    result: SearchResult,
    archive: Any,
    folder: str | Path,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Decode every hit from its bitstream to ``folder/rank_<NN>_tile_<id>.tif``.

    Sets ``hit.decoded`` to the written path. ``archive`` is an open ``scicbir.archive.Archive``.
    Damaged hits (``hit.damaged``) are skipped, so one bad record does not cost the others.
    """
    from scicbir.archive.decode import decode_tile_to_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(len(result.hits))))
    written = []
    for i, hit in enumerate(result.hits):
        if cancel is not None:
            cancel.raise_if_cancelled("decoding the results")
        out = folder / f"rank_{hit.rank:0{width}d}_tile_{hit.tile_id}.tif"
        if hit.damaged:  # flagged by the search; the other results are still decoded
            continue
        try:
            decode_tile_to_file(archive, hit.tile_id, out)
        except ArchiveDamagedError as exc:
            hit.damaged = str(exc)
            warnings.warn(f"result tile {hit.tile_id} not decoded: {exc}", stacklevel=2)
            continue
        hit.decoded = str(out)
        written.append(out)
        if progress is not None:
            progress(i + 1, len(result.hits), f"decoded tile {hit.tile_id}")
    return written
