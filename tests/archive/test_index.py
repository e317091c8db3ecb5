"""The faiss index: ids are tile ids, always rebuildable, never trusted when stale."""

from __future__ import annotations

import shutil

import numpy as np

from scicbir.archive import Archive
from scicbir.archive.index import INDEX_FILE, build_index, load_index


def test_index_finds_each_tile_by_its_own_code(rgb_archive):
    folder, _ = rgb_archive
    with Archive.open(folder) as archive:
        tiles = archive.tiles()
        index = archive.index()
        assert index.ntotal == len(tiles)
        queries = np.stack([np.frombuffer(t.hash, np.uint8) for t in tiles[:6]])
        distances, ids = index.search(queries, len(tiles))
    for tile, d, i in zip(tiles[:6], distances, ids, strict=True):
        assert d[0] == 0
        assert tile.id in i[d == 0]  # its own id at distance 0 (ties possible)


def test_stale_or_missing_index_is_rebuilt(rgb_archive, tmp_path):
    folder, _ = rgb_archive
    copy = tmp_path / "a"
    shutil.copytree(folder, copy)
    (copy / INDEX_FILE).unlink()
    with Archive.open(copy) as archive:
        assert archive.index().ntotal == len(archive.tiles())
        assert (copy / INDEX_FILE).is_file()
        path = archive.sources()[0]["path"]
        removed = len(archive.tiles_of_source(path))
        generation = archive.catalog.generation
        archive.catalog.remove_source(path)  # as a run killed before rewriting the index
        assert load_index(copy, archive.catalog.generation) is None
        assert load_index(copy, generation).ntotal == len(archive.tiles()) + removed
        assert archive.index().ntotal == len(archive.tiles())


def test_empty_index_has_the_code_length():
    index = build_index(np.zeros(0, np.int64), np.zeros((0, 4), np.uint8), 32)
    assert index.ntotal == 0 and index.d == 32
