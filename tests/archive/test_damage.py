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
