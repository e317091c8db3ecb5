"""User errors carry a ``reason`` code in their data, so that a client (the QGIS plugin) can word
and translate the message itself instead of showing the command-line text."""

from __future__ import annotations

import pytest

from scicbir.errors import InputError
from scicbir.search.query import Searcher


def test_common_search_mistakes_carry_a_reason(search_archive, searcher, tmp_path):
    with pytest.raises(InputError) as empty:
        Searcher(tmp_path)
    assert empty.value.data["reason"] == "not_an_archive"
    with pytest.raises(InputError) as missing:
        Searcher(tmp_path / "nowhere")
    assert missing.value.data["reason"] == "archive_missing"
    with pytest.raises(InputError) as outside:
        searcher.search_region(search_archive["landsat"], bbox=[0, 0, 1, 1], k=3)
    assert outside.value.data["reason"] == "region_outside_raster"
    assert outside.value.data["file"] == str(search_archive["landsat"])
    with pytest.raises(InputError) as crs:
        searcher.search_region(search_archive["landsat"], bbox=[0, 0, 1, 1], crs="EPSG:0", k=3)
    assert crs.value.data["reason"] == "unknown_crs"
