"""Packs describe themselves: a lost catalog is rebuilt from the packs' metadata records.

Each test takes a copy of the session's real-sample archive, loses its catalog (and index) the
way a user would, runs ``scicbir archive recover`` and compares the result with the original
tile by tile: ids, codes, logits, offsets, footprints, decoded pixels and search rankings.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scicbir.archive import Archive
from scicbir.archive.compress import compress_folder
from scicbir.archive.metadata import KIND_SOURCE, decode, is_metadata, iter_records

#: archive_meta keys that describe a catalog state rather than the archive
STATE_KEYS = {"generation", "index_sha256", "index_generation", "preserved_pack_ends"}
STATE_KEYS |= {"metadata_ends", "recovered", "extent_rowid_tiles", "extent_rowid_image_tiles"}


def _copy(archive: tuple[Path, Any], tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(archive[0], copy)
    return copy


def _cli(argv: list[str], capsys) -> tuple[int, str]:
    from scicbir.cli import main

    code = main(argv)
    return code, capsys.readouterr().out


def _lose_catalog(folder: Path) -> None:
    for name in ("catalog.gpkg", "catalog.gpkg-wal", "catalog.gpkg-shm"):
        (folder / name).unlink(missing_ok=True)
    for name in ("index.faiss", "index.json"):
        (folder / name).unlink()


def _state(folder: Path) -> dict[str, Any]:
    """Everything a user sees of an archive: rows, archive facts, pixels, rankings."""
    from scicbir.search.api import search

    with Archive.open(folder, read_only=True) as archive:
        tiles = archive.tiles()
        ids = [t.id for t in tiles]
        meta = {k: v for k, v in archive.catalog.meta().items() if k not in STATE_KEYS}
        state = {
            "tiles": tiles,
            "sources": archive.sources(),
            "meta": meta,
            "logits": archive.logits(ids).tobytes(),
            "pixels": {t.id: archive.decode_tile(t) for t in tiles},
            "image_tiles": archive.catalog.conn.execute(
                "SELECT * FROM image_tiles ORDER BY fid"
            ).fetchall(),
        }
    state["rankings"] = {
        query: [
            (r["tile_id"], r.get("distance"))
            for r in search(folder, tile=query, k=len(ids)).to_dict()["results"]
        ]
        for query in ids[:: max(1, len(ids) // 4)]
    }
    return state


def _assert_same_tiles(before: dict[str, Any], after: dict[str, Any], ids: set[int]) -> None:
    old = {t.id: t for t in before["tiles"] if t.id in ids}
    new = {t.id: t for t in after["tiles"]}
    assert set(new) == set(old)
    for tile_id, tile in old.items():
        assert new[tile_id] == tile, tile_id  # every column: codes, logits, offsets, footprint
        assert np.array_equal(
            after["pixels"][tile_id], before["pixels"][tile_id], equal_nan=True
        ), tile_id


def test_a_lost_catalog_is_rebuilt_from_the_packs_alone(rgb_archive, tmp_path, capsys):
    copy = _copy(rgb_archive, tmp_path)
    code, out = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["metadata"]["sources_without_record"] == []
    assert report["metadata"]["records"] > report["catalog"]["sources"]
    before = _state(copy)
    packs = {p.name: p.read_bytes() for p in (copy / "packs").glob("pack-*.bin")}
    _lose_catalog(copy)

    code, out = _cli(["archive", "verify", str(copy)], capsys)
    assert code == 1 and "archive recover" in out
    code, out = _cli(["archive", "recover", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["recovered"] and report["index"] == "rebuilt"
    assert report["sources"] == len(before["sources"]) and report["tiles"] == len(before["tiles"])
    assert len(report["sources_rebuilt_from_packs"]) == len(before["sources"])
    assert report["sources_not_rebuilt"] == {} and report["unreferenced_records"]["records"] == 0
    assert {p.name: p.read_bytes() for p in (copy / "packs").glob("pack-*.bin")} == packs

    after = _state(copy)
    _assert_same_tiles(before, after, {t.id for t in before["tiles"]})
    assert after["sources"] == before["sources"]  # ids, sizes, mtimes, sha256, CRS, bands, added
    assert after["meta"] == before["meta"]  # model id, checksum, bands, tile size, code length
    assert after["logits"] == before["logits"]
    assert after["image_tiles"] == before["image_tiles"]
    assert after["rankings"] == before["rankings"]
    code, out = _cli(["archive", "verify", str(copy), "--json"], capsys)
    assert code == 0 and json.loads(out)["index"]["state"] == "current", out


def test_a_rebuilt_archive_takes_new_sources_and_never_reuses_ids(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path, capsys
):
    copy = _copy(rgb_archive, tmp_path)
    with Archive.open(copy, read_only=True) as archive:
        top = max(t.id for t in archive.tiles())
    _lose_catalog(copy)
    _cli(["archive", "recover", str(copy)], capsys)
    summary = compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    assert summary.ok and {s.status for s in summary.sources} == {"unchanged"}
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(sample_folder / "landsat.tif", extra / "again.tif")
    assert compress_folder(extra, copy, str(tiny_rgb_model.path)).ok
    with Archive.open(copy, read_only=True) as archive:
        new = archive.tiles_of_source(str((extra / "again.tif").resolve()))
    assert new and min(t.id for t in new) > top
    code, _ = _cli(["archive", "verify", str(copy)], capsys)
    assert code == 0


def _source_records(folder: Path) -> list[tuple[Path, int, int, str]]:
    """(pack, payload offset, length, source path) of every source record, in pack order."""
    found = []
    for pack in sorted((folder / "packs").glob("pack-*.bin")):
        for record in iter_records(pack):
            if is_metadata(record.payload):
                kind, body = decode(record.payload)
                if kind == KIND_SOURCE:
                    found.append((pack, record.offset, record.length, body["source"]["path"]))
    return found


def test_a_pack_cut_inside_a_metadata_record_recovers_every_source_before_it(
    rgb_archive, tmp_path, capsys
):
    copy = _copy(rgb_archive, tmp_path)
    before = _state(copy)
    records = _source_records(copy)
    assert len(records) == len(before["sources"]) >= 3
    pack, offset, length, cut_source = records[1]
    with open(pack, "r+b") as handle:  # a write cut in the middle of the second source record
        handle.truncate(offset + length // 2)
    _lose_catalog(copy)
    code, out = _cli(["archive", "recover", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["recovered"]
    assert report["sources_rebuilt_from_packs"] == [records[0][3]]
    assert report["metadata_records"]["cut_records"]
    after = _state(copy)
    first = {t.id for t in before["tiles"] if t.source_path == records[0][3]}
    assert first and cut_source not in {s["path"] for s in after["sources"]}
    _assert_same_tiles(before, after, first)
    code, out = _cli(["archive", "verify", str(copy), "--json"], capsys)
    assert code == 0, out


def test_a_damaged_metadata_record_is_reported_by_verify(rgb_archive, tmp_path, capsys):
    copy = _copy(rgb_archive, tmp_path)
    pack, offset, length, path = _source_records(copy)[0]
    data = bytearray(pack.read_bytes())
    data[offset + length // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    code, out = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["metadata"]["damaged"]
    assert any(pack.name in p and "metadata record" in p for p in report["problems"])
    assert any(path in p for p in report["problems"])  # the source it can no longer rebuild
    assert report["tiles"]["damaged"] == 0  # the tiles themselves are intact


def test_an_old_format_archive_reads_and_recover_says_what_cannot_be_rebuilt(
    old_format_archive, tmp_path, capsys
):
    copy = _copy(old_format_archive, tmp_path)
    code, out = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["ok"]  # no metadata records is not damage
    assert report["metadata"]["records"] == 0
    assert report["metadata"]["sources_without_record_count"] == report["catalog"]["sources"]
    assert any("no metadata record" in n and "backup" in n for n in report["notes"])
    with Archive.open(copy, read_only=True) as archive:
        tile = archive.tiles()[0]
        assert archive.decode_tile(tile).size
    _lose_catalog(copy)
    code, out = _cli(["archive", "recover", str(copy)], capsys)
    assert code == 0
    assert "sources: 0, tiles: 0" in out and "cannot become tiles again" in out
    assert "written by a version before archive format 2" in out


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_an_image_without_georeference_is_rebuilt_with_its_pixel_footprints(
    data_dir, tiny_rgb_model, tmp_path, capsys
):
    import rasterio

    src = tmp_path / "scenes"
    src.mkdir()
    with rasterio.open(data_dir / "rgb" / "neon_OSBS_029.tif") as ds:
        pixels = ds.read()[:, :150, :150]
    with rasterio.open(
        src / "scene.png", "w", driver="PNG", width=150, height=150, count=3, dtype="uint8"
    ) as dst:
        dst.write(pixels)
    folder = tmp_path / "archive"
    assert compress_folder(src, folder, str(tiny_rgb_model.path)).ok
    before = _state(folder)
    assert len(before["image_tiles"]) == len(before["tiles"]) == 9
    _lose_catalog(folder)
    code, _ = _cli(["archive", "recover", str(folder)], capsys)
    after = _state(folder)
    assert code == 0 and after["image_tiles"] == before["image_tiles"]
    _assert_same_tiles(before, after, {t.id for t in before["tiles"]})
    assert after["rankings"] == before["rankings"]
