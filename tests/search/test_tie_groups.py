"""Codes shared by many tiles: one index entry per group, same ranking, bounded logits reads."""

from __future__ import annotations

import numpy as np
import pytest

from scicbir.archive.index import build_index
from scicbir.search import tie_groups
from scicbir.search.hamming import exhaustive_ranking
from scicbir.search.knn import gather_candidates
from scicbir.search.merge import merge_min
from scicbir.search.tie_groups import search_index


class _Logits:
    """Logits by tile id, counting the rows a search asks for (a catalog reads each one)."""

    def __init__(self, ids: np.ndarray, logits: np.ndarray) -> None:
        self.row_of = {int(t): i for i, t in enumerate(ids)}
        self.logits = logits
        self.rows = 0

    def __call__(self, tile_ids) -> np.ndarray:
        self.rows += len(tile_ids)
        return self.logits[[self.row_of[int(t)] for t in tile_ids]]


def _ranked(index, queries, k, query_logits, lookup, excluded):
    cands = index.candidates(queries, k, query_logits, excluded)
    return merge_min(cands, k, index.bits, query_logits, lookup)


def _collapsed_archive(n: int, bits: int, seed: int):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
    codes[: n // 5] = codes[0]  # a fifth of the archive on one code
    codes[n // 5 : n // 5 + n // 20] = codes[n // 5]  # a second, smaller group
    codes[n // 2 : n // 2 + 7] = codes[n // 2]  # too small to be grouped
    ids = rng.permutation(3 * n)[:n].astype(np.int64)
    logits = rng.normal(size=(n, bits)).astype(np.float32)
    return rng, codes, ids, logits


@pytest.mark.parametrize(
    ("bits", "n", "n_queries", "k", "n_excluded", "min_size"),
    [
        (16, 6000, 1, 20, 0, 64),
        (16, 6000, 3, 20, 900, 64),  # excluded tiles inside the groups
        (32, 4000, 5, 50, 30, 16),
        (8, 800, 2, 300, 100, 8),  # k larger than a group
        (64, 3000, 1, 1, 0, 2),
    ],
)
def test_grouped_ranking_equals_exhaustive(bits, n, n_queries, k, n_excluded, min_size) -> None:
    rng, codes, ids, logits = _collapsed_archive(n, bits, bits + n + k)
    lookup = _Logits(ids, logits)
    index = search_index(build_index(ids, codes, bits), lookup, min_size=min_size)
    assert len(index.groups) >= 2 and index.faiss_index.ntotal < n
    queries = codes[[0, n // 5, *rng.integers(0, n, n_queries)]][:n_queries]
    query_logits = rng.normal(size=(n_queries, bits)).astype(np.float32)
    excluded = np.concatenate([ids[: n_excluded // 2], rng.choice(ids, n_excluded // 2)])

    got = _ranked(index, queries, k, query_logits, lookup, excluded)
    ref = exhaustive_ranking(queries, codes, ids, k, query_logits, logits, excluded)

    assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]
    assert np.allclose([r.soft_distance for r in got], [s for _, _, s in ref])
    assert not set(r.tile_id for r in got) & set(excluded.tolist())


def test_grouped_ranking_without_logits_orders_ties_by_id() -> None:
    _, codes, ids, _ = _collapsed_archive(3000, 16, 3)
    index = search_index(build_index(ids, codes, 16), None, min_size=32)
    excluded = np.sort(ids[:600])[::3]
    got = _ranked(index, codes[:1], 25, None, None, excluded)
    ref = exhaustive_ranking(codes[:1], codes, ids, 25, excluded=excluded)
    assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]


def test_a_collapsed_query_reads_the_logits_of_a_few_tiles_not_of_the_whole_group(
    monkeypatch,
) -> None:
    rng, codes, ids, logits = _collapsed_archive(20000, 64, 11)
    grouped_lookup, tile_lookup = _Logits(ids, logits), _Logits(ids, logits)
    index = search_index(build_index(ids, codes, 64), grouped_lookup)
    grouped_lookup.rows = 0  # reading the groups' logits once per catalog generation is fine
    query_logits = rng.normal(size=(1, 64)).astype(np.float32)
    none = np.zeros(0, np.int64)

    searched = []
    monkeypatch.setattr(tie_groups, "gather_candidates", lambda *a: searched.append(a))
    got = _ranked(index, codes[:1], 20, query_logits, grouped_lookup, none)
    assert not searched  # its code is the group's: nothing else can be nearer or as near
    monkeypatch.undo()
    per_tile = merge_min(
        gather_candidates(build_index(ids, codes, 64), codes[:1], 20),
        20,
        64,
        query_logits,
        tile_lookup,
    )
    assert [r.tile_id for r in got] == [r.tile_id for r in per_tile]
    assert tile_lookup.rows == 4000  # every tied tile: what a collapsed query used to cost
    assert grouped_lookup.rows <= 20


def test_a_group_too_large_for_an_exact_scan_returns_its_nearest_members(monkeypatch) -> None:
    monkeypatch.setattr(tie_groups, "EXACT_MAX", 500)
    rng = np.random.default_rng(5)
    n = 6000
    codes = rng.integers(0, 256, (n, 4), dtype=np.uint8)
    codes[:4000] = codes[0]
    ids = np.arange(n, dtype=np.int64)
    # members' logits in a few clusters, as tiles of one kind of scene have
    centres = rng.normal(size=(8, 32))
    logits = (centres[rng.integers(0, 8, n)] + 0.3 * rng.normal(size=(n, 32))).astype(np.float32)
    lookup = _Logits(ids, logits)
    index = search_index(build_index(ids, codes, 32), lookup, min_size=100)
    assert index.groups[0].ivf is not None
    recall = []
    for q in range(10):
        query_logits = (centres[q % 8] + 0.3 * rng.normal(size=32)).astype(np.float32)[None]
        got = _ranked(index, codes[:1], 20, query_logits, lookup, np.zeros(0, np.int64))
        ref = exhaustive_ranking(codes[:1], codes, ids, 20, query_logits, logits)
        assert all(r.distance == 0 for r in got) and len(got) == 20
        soft = [r.soft_distance for r in got]
        assert soft == sorted(soft)  # ranked on their exact logits
        recall.append(len({r.tile_id for r in got} & {t for t, _, _ in ref}) / 20)
    assert np.mean(recall) >= 0.9


def test_searches_of_a_real_archive_are_the_same_with_codes_grouped(
    search_archive, monkeypatch
) -> None:
    """Every tile of a real archive as a query, with and without grouping: same answers."""
    from scicbir.search.query import Searcher

    plain = Searcher(search_archive["archive"])
    monkeypatch.setattr(tie_groups, "MIN_GROUP", 2)
    grouped = Searcher(search_archive["archive"])
    assert grouped._index.groups, "the tiny model's archive has no shared code to group"
    assert not plain._index.groups
    with grouped._open() as archive:
        tile_ids = [t.id for t in archive.tiles()]
    for tile_id in tile_ids:
        for exclude_self in (True, False):
            a = plain.search_tile(tile_id, k=7, exclude_self=exclude_self)
            b = grouped.search_tile(tile_id, k=7, exclude_self=exclude_self)
            assert [(h.tile_id, h.distance) for h in a.hits] == [
                (h.tile_id, h.distance) for h in b.hits
            ]
    region = grouped.search_raster(search_archive["landsat"], k=15)
    assert [h.tile_id for h in region.hits] == [
        h.tile_id for h in plain.search_raster(search_archive["landsat"], k=15).hits
    ]


def test_two_query_tiles_on_one_group_count_its_tiles_once() -> None:
    """A region whose tiles all have the shared code, asking for more than the group holds."""
    rng, codes, ids, logits = _collapsed_archive(2000, 16, 21)
    lookup = _Logits(ids, logits)
    index = search_index(build_index(ids, codes, 16), lookup, min_size=50)
    group = index.groups[0].members
    excluded = group[::2]
    k = len(group) - len(excluded) + 5  # the group alone cannot fill the answer
    query_logits = rng.normal(size=(2, 16)).astype(np.float32)
    got = _ranked(index, codes[[0, 0]], k, query_logits, lookup, excluded)
    ref = exhaustive_ranking(codes[[0, 0]], codes, ids, k, query_logits, logits, excluded)
    assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]
    assert sum(r.distance > 0 for r in got) == 5


def test_a_searcher_takes_in_a_compress_without_building_its_index_again(
    search_archive, tmp_path, monkeypatch
) -> None:
    """Tiles appended by a compress join the held index (groups included); the answers are
    those of a searcher started afterwards."""
    import shutil

    from scicbir.archive.compress import CompressOptions, compress_folder
    from scicbir.search import query

    archive = tmp_path / "archive"
    shutil.copytree(search_archive["archive"], archive)
    monkeypatch.setattr(tie_groups, "MIN_GROUP", 2)
    builds = []
    real_build = query.search_index
    monkeypatch.setattr(query, "search_index", lambda *a: builds.append(1) or real_build(*a))
    held = query.Searcher(archive)
    assert held._index.groups and len(builds) == 1
    before = held._index.tiles

    src = tmp_path / "more"
    src.mkdir()
    shutil.copy(search_archive["neon"], src)
    summary = compress_folder(
        src, archive, str(search_archive["model"]), options=CompressOptions(psnr=False)
    )
    assert summary.ok and summary.tiles > 0

    result = held.search_raster(search_archive["landsat"], k=30, exclude_self=False)
    assert len(builds) == 1, "the held index was built again"
    assert held._index.tiles == before + summary.tiles
    fresh = query.Searcher(archive)
    assert len(builds) == 2
    assert [(h.tile_id, h.distance) for h in result.hits] == [
        (h.tile_id, h.distance)
        for h in fresh.search_raster(search_archive["landsat"], k=30, exclude_self=False).hits
    ]
    with fresh._open() as opened:
        tile_ids = [t.id for t in opened.tiles()]
    for tile_id in tile_ids:
        a = held.search_tile(tile_id, k=9)
        b = fresh.search_tile(tile_id, k=9)
        assert [(h.tile_id, h.distance) for h in a.hits] == [
            (h.tile_id, h.distance) for h in b.hits
        ]


@pytest.mark.parametrize("exact_max", [tie_groups.EXACT_MAX, 100])
def test_tiles_added_to_a_built_index_rank_as_in_one_built_with_them(exact_max, monkeypatch):
    monkeypatch.setattr(tie_groups, "EXACT_MAX", exact_max)
    rng = np.random.default_rng(exact_max)
    n = 4000
    codes = rng.integers(0, 256, (n, 4), dtype=np.uint8)
    codes[rng.random(n) < 0.25] = codes[0]  # the shared code, spread over old and new tiles
    ids = np.arange(n, dtype=np.int64) * 2 + 1
    centres = rng.normal(size=(8, 32))  # logits of tiles of a few kinds of scene
    logits = (centres[rng.integers(0, 8, n)] + 0.3 * rng.normal(size=(n, 32))).astype(np.float32)
    lookup = _Logits(ids, logits)
    first = 2500
    index = search_index(build_index(ids[:first], codes[:first], 32), lookup, min_size=64)
    assert index.groups and (index.groups[0].ivf is not None) == (exact_max == 100)
    size = len(index.groups[0].members)
    middle = (first + n) // 2
    index.add(ids[first:middle], codes[first:middle], lookup)  # two compresses, one after the other
    assert index.last_id == ids[middle - 1]
    index.add(ids[middle:], codes[middle:], lookup)
    assert len(index.groups[0].members) > size and index.tiles == n and index.last_id == ids[-1]
    with pytest.raises(ValueError):
        index.add(ids[:1], codes[:1], lookup)  # not a tile committed afterwards
    for q in [0, 1, 2, first + 1, n - 1]:
        query_logits = logits[q : q + 1] + 0.3 * rng.normal(size=(1, 32)).astype(np.float32)
        got = _ranked(index, codes[q : q + 1], 25, query_logits, lookup, np.zeros(0, np.int64))
        ref = exhaustive_ranking(codes[q : q + 1], codes, ids, 25, query_logits, logits)
        if exact_max == 100 and (codes[q] == codes[0]).all():  # inverted file: recall only
            assert all(r.distance == 0 for r in got)
            assert len({r.tile_id for r in got} & {t for t, _, _ in ref}) >= 20
        else:
            assert [(r.tile_id, r.distance) for r in got] == [(t, d) for t, d, _ in ref]


def test_a_group_of_identical_tiles_is_ranked_by_id_reading_few_logits() -> None:
    """No-data or cloud tiles have identical pixels, so identical logits: the tie between them
    is broken by id, as the exhaustive ranking does, without reading the whole group."""
    rng = np.random.default_rng(2)
    n = 5000
    codes = rng.integers(0, 256, (n, 8), dtype=np.uint8)
    codes[:3000] = codes[0]
    ids = rng.permutation(3 * n)[:n].astype(np.int64)
    logits = rng.normal(size=(n, 64)).astype(np.float32)
    logits[:3000] = logits[0]
    lookup = _Logits(ids, logits)
    index = search_index(build_index(ids, codes, 64), lookup)
    lookup.rows = 0
    query_logits = rng.normal(size=(1, 64)).astype(np.float32)
    got = _ranked(index, codes[:1], 20, query_logits, lookup, np.zeros(0, np.int64))
    ref = exhaustive_ranking(codes[:1], codes, ids, 20, query_logits, logits)
    assert [r.tile_id for r in got] == [t for t, _, _ in ref] == sorted(ids[:3000])[:20]
    assert lookup.rows <= 40
