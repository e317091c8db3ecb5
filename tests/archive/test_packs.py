"""Pack files: framed records, CRC checks, truncation of uncommitted bytes, rollback."""

from __future__ import annotations

import numpy as np
import pytest

from scicbir.archive.packs import PackError, PackReader, PackWriter, pack_mask, unpack_mask


def test_records_round_trip_and_damage_is_detected(tmp_path):
    writer = PackWriter(tmp_path, {})
    first = writer.append(b"stream one")
    second = writer.append(b"stream two, longer")
    writer.close()
    reader = PackReader(tmp_path)
    assert reader.read(*first) == b"stream one"
    assert reader.read(*second) == b"stream two, longer"
    reader.close()
    path = tmp_path / first[0]
    data = bytearray(path.read_bytes())
    data[second[1] + 3] ^= 0xFF  # flip a byte of the second payload
    path.write_bytes(bytes(data))
    with pytest.raises(PackError, match="damaged"):
        PackReader(tmp_path).read(*second)


def test_a_new_writer_drops_bytes_no_catalog_row_refers_to(tmp_path):
    writer = PackWriter(tmp_path, {})
    kept = writer.append(b"committed")
    writer.append(b"written but never committed")
    writer.close()
    name, offset, length = kept
    writer = PackWriter(tmp_path, {name: offset + length})  # as the catalog says
    assert (tmp_path / name).stat().st_size == offset + length
    again = writer.append(b"next")
    writer.close()
    assert again[1] == offset + length + 12
    assert PackReader(tmp_path).read(*again) == b"next"


def test_rollback_removes_a_failed_sources_records(tmp_path):
    writer = PackWriter(tmp_path, {})
    kept = writer.append(b"a")
    mark = writer.position()
    writer.append(b"half a source")
    writer.rollback(mark)
    nxt = writer.append(b"b")
    writer.close()
    assert nxt[1] == kept[1] + 1 + 12
    assert (tmp_path / kept[0]).stat().st_size == nxt[1] + 1


def test_nodata_masks_pack_small_and_exact():
    mask = np.zeros((53, 37), bool)
    mask[:5] = True
    mask[10, 3] = True
    payload = pack_mask(mask)
    assert len(payload) < 60
    np.testing.assert_array_equal(unpack_mask(payload), mask)
