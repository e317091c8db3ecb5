"""Just enough of the OGC GeoPackage 1.3 encoding to write layers QGIS opens directly.

Written with the standard library's sqlite3, so the catalog needs no GDAL write driver and
stays under the engine's own transaction control (crash safety rests on SQLite transactions).
Covers: the required metadata tables, feature and attribute table registration, and the
GeoPackage binary geometry (``GP`` header + little-endian envelope + WKB polygon).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)

_CORE_SQL = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
  max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
  REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""

_SRS_ROWS = [
    (
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ),
    (
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ),
    (
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
]


def init_geopackage(conn: sqlite3.Connection) -> None:
    """Make ``conn`` a GeoPackage: application id, version, the required metadata tables."""
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    execute_script(conn, _CORE_SQL)
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", _SRS_ROWS)


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated statements one by one (``executescript`` would commit mid-transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def register_features(
    conn: sqlite3.Connection,
    table: str,
    column: str,
    srs_id: int,
    description: str,
    geometry_type: str = "POLYGON",
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
        " VALUES (?, 'features', ?, ?, ?)",
        (table, table, description, srs_id),
    )
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
        (table, column, geometry_type, srs_id),
    )


def register_attributes(conn: sqlite3.Connection, table: str, description: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)"
        " VALUES (?, 'attributes', ?, ?)",
        (table, table, description),
    )


def update_extent(conn: sqlite3.Connection, table: str, envelope: Sequence[float] | None) -> None:
    """Record a layer's extent (min_x, min_y, max_x, max_y) and its last change time."""
    conn.execute(
        "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=?, "
        "last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?",
        (*(envelope or (None, None, None, None)), table),
    )


def polygon_blob(ring: Sequence[tuple[float, float]], srs_id: int) -> bytes:
    """GeoPackage geometry blob of a one-ring polygon (ring closed if needed), with envelope."""
    points = list(ring)
    if points[0] != points[-1]:
        points.append(points[0])
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    flags = 0b0000_0011  # little endian, envelope [minx, maxx, miny, maxy]
    header = struct.pack("<2sBBi4d", b"GP", 0, flags, srs_id, min(xs), max(xs), min(ys), max(ys))
    wkb = struct.pack("<BIII", 1, 3, 1, len(points))
    wkb += struct.pack(f"<{2 * len(points)}d", *(v for p in points for v in p))
    return header + wkb


def polygon_from_blob(blob: bytes) -> list[tuple[float, float]]:
    """The exterior ring of a polygon blob written by ``polygon_blob``."""
    magic, _version, flags, _srs = struct.unpack_from("<2sBBi", blob, 0)
    if magic != b"GP":
        raise ValueError("not a GeoPackage geometry")
    envelope_doubles = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}[(flags >> 1) & 0b111]
    offset = 8 + 8 * envelope_doubles
    _order, kind, _rings, npoints = struct.unpack_from("<BIII", blob, offset)
    if kind != 3:
        raise ValueError(f"geometry type {kind} is not a polygon")
    values = struct.unpack_from(f"<{2 * npoints}d", blob, offset + 13)
    return list(zip(values[0::2], values[1::2], strict=True))


#: GeoPackage metadata extension (OGC 12-128r18, F.8): metadata documents and what they describe
_METADATA_SQL = """
CREATE TABLE IF NOT EXISTS gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
  reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
"""
_METADATA_DEFINITION = "http://www.geopackage.org/spec/#extension_metadata"


def add_metadata(
    conn: sqlite3.Connection,
    document: str,
    standard_uri: str,
    mime_type: str,
    table: str | None = None,
) -> None:
    """Store a metadata document describing the whole GeoPackage (``table`` None) or one table.

    GDAL (and so QGIS and ``ogrinfo``) reads a ``text/xml`` document with the standard URI
    ``http://gdal.org`` as its own key/value metadata of the dataset or layer; other documents
    it lists as ``GPKG_METADATA_ITEM_<n>``.
    """
    conn.executescript(_METADATA_SQL)
    conn.executemany(
        "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_metadata', ?, 'read-write')",
        [
            ("gpkg_metadata", _METADATA_DEFINITION),
            ("gpkg_metadata_reference", _METADATA_DEFINITION),
        ],
    )
    cur = conn.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)"
        " VALUES ('dataset', ?, ?, ?)",
        (standard_uri, mime_type, document),
    )
    conn.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id)"
        " VALUES (?, ?, ?)",
        ("table" if table else "geopackage", table, cur.lastrowid),
    )


def gdal_metadata_xml(items: Sequence[tuple[str, str]]) -> str:
    """GDAL's metadata document (``GDALMultiDomainMetadata``) of key/value ``items``."""
    from xml.sax.saxutils import escape, quoteattr

    rows = "".join(f"<MDI key={quoteattr(k)}>{escape(v)}</MDI>" for k, v in items)
    return f"<GDALMultiDomainMetadata><Metadata>{rows}</Metadata></GDALMultiDomainMetadata>"
