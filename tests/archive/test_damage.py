"""A damaged or half-lost archive is refused and reported, never written over.

Each test damages a copy of the session's real-sample archive the way a user's disk or hand
would (catalog deleted, pack truncated) and checks that nothing more is lost.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scicbir.archive.compress import compress_folder
from scicbir.archive.packs import PackError, PackWriter
from scicbir.errors import ArchiveDamagedError


def _copy(rgb_archive, tmp_path: Path) -> Path:
    folder, _ = rgb_archive
    copy = tmp_path / "archive"
    shutil.copytree(folder, copy)
    return copy


def _packs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "packs").glob("pack-*.bin"))}


def test_compress_without_the_catalog_refuses_and_keeps_every_pack_byte(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path
):
    copy = _copy(rgb_archive, tmp_path)
    before = _packs(copy)
    assert before and all(before.values())
    (copy / "catalog.gpkg").unlink()
    with pytest.raises(ArchiveDamagedError) as raised:
        compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    message = str(raised.value)
    for name in before:
        assert name in message
    assert "catalog.gpkg" in message and "scicbir archive recover" in message
    assert _packs(copy) == before
    assert not (copy / "catalog.gpkg").exists()


def test_compress_into_a_pack_shorter_than_the_catalog_says_refuses(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path
):
    copy = _copy(rgb_archive, tmp_path)
    pack = sorted((copy / "packs").glob("pack-*.bin"))[0]
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])  # lost its second half
    with pytest.raises(ArchiveDamagedError) as raised:
        compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    assert pack.name in str(raised.value) and "archive verify" in str(raised.value)
    assert pack.read_bytes() == data[: len(data) // 2]  # not shortened, nothing appended


def test_pack_writer_never_shortens_below_the_catalog_or_the_preserved_end(tmp_path):
    writer = PackWriter(tmp_path, {})
    kept = writer.append(b"committed")
    recovered = writer.append(b"kept by recovery")
    writer.append(b"never committed")
    writer.close()
    name = kept[0]
    with pytest.raises(PackError, match="references records up to byte"):
        PackWriter(tmp_path, {name: 10_000})
    size = (tmp_path / name).stat().st_size
    preserved = {name: recovered[1] + recovered[2]}
    PackWriter(tmp_path, {name: kept[1] + kept[2]}, preserved).close()
    assert (tmp_path / name).stat().st_size == preserved[name] < size


# --- reporting and recovering damage ---------------------------------------------------------


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from scicbir.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _damage_record(folder: Path) -> int:
    """Flip a byte inside one tile's stream record; returns that tile's id."""
    from scicbir.archive import Archive

    with Archive.open(folder, read_only=True) as archive:
        tile = archive.tiles()[3]
    pack = folder / "packs" / tile.pack
    data = bytearray(pack.read_bytes())
    data[tile.offset + tile.length // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    return tile.id


def test_verify_says_healthy_for_an_intact_archive(rgb_archive, tmp_path, capsys):
    import json

    copy = _copy(rgb_archive, tmp_path)
    code, out, _ = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["ok"] and not report["problems"]
    assert report["tiles"]["checked"] == report["catalog"]["tiles"] > 0
    assert report["index"]["state"] == "current"


def test_a_truncated_catalog_gives_clear_messages_and_is_recovered(
    rgb_archive, sample_folder, tiny_rgb_model, tmp_path, capsys
):
    import json

    from scicbir.archive import Archive

    copy = _copy(rgb_archive, tmp_path)
    with Archive.open(copy, read_only=True) as archive:
        total = len(archive.tiles())
    catalog = copy / "catalog.gpkg"
    data = catalog.read_bytes()
    catalog.write_bytes(data[: len(data) * 9 // 10])
    for argv in (
        ["archive", "info", str(copy)],
        ["index", "rebuild", str(copy)],
        ["search", "--archive", str(copy), "--tile", "1"],
        ["decode", "--archive", str(copy), "--tile", "1", "-o", str(tmp_path / "t.tif")],
    ):
        code, _, err = _cli(argv, capsys)
        assert code == 1, argv
        assert str(catalog) in err and "archive verify" in err and "recover" in err, err
        assert "Traceback" not in err and "malformed" not in err.split("(")[0]
    code, out, _ = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and not report["ok"] and "truncated" in report["problems"][0]

    packs = _packs(copy)
    code, out, _ = _cli(["archive", "recover", str(copy), "--json"], capsys)
    recovered = json.loads(out)
    assert code == 0 and recovered["recovered"]
    assert Path(recovered["damaged_catalog_kept_as"]).read_bytes() == data[: len(data) * 9 // 10]
    assert _packs(copy) == packs  # not one pack byte lost
    code, out, _ = _cli(["archive", "verify", str(copy), "--json"], capsys)
    assert code == 0, out
    with Archive.open(copy, read_only=True) as archive:
        kept = archive.tiles()
        assert 0 < len(kept) <= total
        for tile in kept:  # every tile kept decodes
            assert archive.decode_tile(tile).size
    # the next compress re-encodes the sources that lost tiles and never shortens a pack
    compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    for name, before in packs.items():
        assert (copy / "packs" / name).read_bytes()[: len(before)] == before
    with Archive.open(copy, read_only=True) as archive:
        assert len(archive.tiles()) == total
    code, _, _ = _cli(["archive", "verify", str(copy)], capsys)
    assert code == 0


def test_a_lost_catalog_is_recovered_without_losing_pack_bytes(
    old_format_archive, sample_folder, tiny_rgb_model, tmp_path, capsys
):
    """An archive written before format 2: its packs cannot stand in for the catalog."""
    import json

    copy = _copy(old_format_archive, tmp_path)
    packs = _packs(copy)
    (copy / "catalog.gpkg").unlink()
    code, out, _ = _cli(["archive", "verify", str(copy), "--json"], capsys)
    assert code == 1 and "missing" in json.loads(out)["problems"][0]
    code, out, _ = _cli(["archive", "recover", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["tiles"] == 0
    assert report["unreferenced_records"]["tile_streams"] > 0
    assert "catalog only" in report["not_recoverable"]
    summary = compress_folder(sample_folder, copy, str(tiny_rgb_model.path))
    assert summary.ok
    for name, before in packs.items():  # old records kept ahead of the new ones
        assert (copy / "packs" / name).read_bytes()[: len(before)] == before


def test_a_damaged_record_is_flagged_in_search_and_skipped_by_decode(rgb_archive, tmp_path, capsys):
    import json

    import rasterio

    from scicbir.archive import Archive
    from scicbir.archive.decode import DamagedTilesWarning, decode_source
    from scicbir.search.api import search

    copy = _copy(rgb_archive, tmp_path)
    with Archive.open(copy, read_only=True) as archive:
        tiles = archive.tiles()
        source = tiles[3].source_path
        whole = decode_source(archive, source, tmp_path / "before.tif")
    bad = _damage_record(copy)
    code, out, _ = _cli(["archive", "verify", str(copy), "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["tiles"]["damaged_ids"] == [bad]

    with pytest.warns(UserWarning, match="damaged"):
        result = search(copy, tile=tiles[0].id, k=len(tiles), decode=tmp_path / "hits")
    flagged = [h for h in result.hits if h.damaged]
    assert [h.tile_id for h in flagged] == [bad] and flagged[0].decoded is None
    assert all(h.decoded for h in result.hits if not h.damaged)
    assert "damaged" in [r for r in result.to_dict()["results"] if r["tile_id"] == bad][0]

    damaged: list[int] = []
    with Archive.open(copy, read_only=True) as archive, pytest.warns(DamagedTilesWarning):
        after = decode_source(archive, source, tmp_path / "after.tif", damaged=damaged)
    assert damaged == [bad]
    with rasterio.open(whole) as a, rasterio.open(after) as b:
        before_pixels, after_pixels = a.read(), b.read()
    t = tiles[3]
    window = (
        slice(None),
        slice(t.row, t.row + t.valid_height),
        slice(t.col, t.col + t.valid_width),
    )
    assert (before_pixels != after_pixels).any()
    before_pixels[window] = after_pixels[window]
    assert (before_pixels == after_pixels).all()  # only the damaged tile's window differs
    code, _, err = _cli(
        ["decode", "--archive", str(copy), "--source", source, "-o", str(tmp_path / "c.tif")],
        capsys,
    )
    assert code == 1 and str(bad) in err and "archive verify" in err
    code, out, _ = _cli(["archive", "info", str(copy), "--json"], capsys)
    assert code == 0  # lengths are fine: only verify reads every record


def test_archive_info_reports_a_missing_pack(rgb_archive, tmp_path, capsys):
    copy = _copy(rgb_archive, tmp_path)
    pack = sorted((copy / "packs").glob("pack-*.bin"))[0]
    pack.unlink()
    code, out, _ = _cli(["archive", "info", str(copy)], capsys)
    assert code == 1 and "DAMAGED" in out and pack.name in out


def test_the_service_answers_archive_verify(rgb_archive, tmp_path):
    from scicbir.service.methods import method_table

    copy = _copy(rgb_archive, tmp_path)
    bad = _damage_record(copy)
    report = method_table()["archive.verify"].handler(None, {"archive": str(copy)})
    assert not report["ok"] and report["tiles"]["damaged_ids"] == [bad]
