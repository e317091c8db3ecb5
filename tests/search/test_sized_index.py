"""Large archives search an inverted file: found codes at their exact distances, high recall."""

from __future__ import annotations

import numpy as np

from scicbir.archive.index import build_index
from scicbir.search import sized_index
from scicbir.search.hamming import exhaustive_ranking
from scicbir.search.merge import merge_min
from scicbir.search.tie_groups import search_index


def _clustered_codes(n: int, rng: np.random.Generator) -> np.ndarray:
    """64-bit codes around 300 centres, ~4 bits flipped: neighbours as trained hash codes have."""
    centres = rng.integers(0, 256, (300, 8), dtype=np.uint8)
    bits = np.unpackbits(centres[rng.integers(0, 300, n)], axis=1)
    bits ^= (rng.random(bits.shape) < 0.06).astype(np.uint8)
    return np.packbits(bits, axis=1)


def test_ivf_parameters_grow_with_the_archive() -> None:
    small, large = sized_index.ivf_parameters(2 * 10**7), sized_index.ivf_parameters(10**8)
    assert small[0] < large[0] and small[1] <= large[1]
    assert all(nprobe < nlist for nlist, nprobe in (small, large))


def test_an_archive_above_the_flat_limit_is_searched_through_an_inverted_file(monkeypatch):
    monkeypatch.setattr(sized_index, "FLAT_MAX", 5_000)
    monkeypatch.setattr(sized_index, "_CODES_PER_LIST", 500)
    rng = np.random.default_rng(3)
    n = 40_000
    codes = _clustered_codes(n, rng)
    codes[:3000] = codes[0]  # and a collapsed code, grouped
    ids = rng.permutation(2 * n)[:n].astype(np.int64)
    logits = rng.normal(size=(n, 64)).astype(np.float32)
    row = {int(t): i for i, t in enumerate(ids)}

    def lookup(t):
        return logits[[row[int(i)] for i in t]]

    index = search_index(build_index(ids, codes, 64), lookup)
    assert not sized_index.is_exact(index.faiss_index) and index.groups
    recalls = []
    for q in rng.integers(0, n, 25):
        query = codes[q : q + 1]
        query_logits = rng.normal(size=(1, 64)).astype(np.float32)
        got = merge_min(
            index.candidates(query, 20, query_logits, np.zeros(0, np.int64)), 20, 64,
            query_logits, lookup,
        )  # fmt: skip
        ref = exhaustive_ranking(query, codes, ids, 20, query_logits, logits)
        assert len(got) == 20
        for hit in got:  # every distance reported is the true one
            true = np.unpackbits(query[0] ^ codes[row[hit.tile_id]]).sum()
            assert hit.distance == true
        kth = ref[-1][1]
        recalls.append(min(20, sum(h.distance <= kth for h in got)) / 20)
    assert np.mean(recalls) >= 0.95


def test_the_inverted_file_visits_as_many_lists_as_the_archives_codes_need(monkeypatch):
    """Clustered codes need fewer lists than uniform ones for the same recall."""
    import faiss

    monkeypatch.setattr(sized_index, "_CODES_PER_LIST", 200)
    rng = np.random.default_rng(9)
    n = 30_000
    ids = np.arange(n, dtype=np.int64)
    clustered = sized_index.entries_index(_clustered_codes(n, rng), ids, 64, flat_max=0)
    uniform = sized_index.entries_index(
        rng.integers(0, 256, (n, 8), dtype=np.uint8), ids, 64, flat_max=0
    )
    for index in (clustered, uniform):
        assert isinstance(faiss.downcast_IndexBinary(index), faiss.IndexBinaryIVF)
        assert sized_index.measured_recall(index) >= sized_index.TARGET_RECALL
    assert clustered.nprobe < uniform.nprobe


def test_a_search_through_an_inverted_file_reports_its_measured_recall(search_archive, monkeypatch):
    from scicbir.search.query import Searcher

    exact = Searcher(search_archive["archive"]).search_raster(search_archive["neon"], k=10)
    monkeypatch.setattr(sized_index, "FLAT_MAX", 0)
    searcher = Searcher(search_archive["archive"])
    assert not sized_index.is_exact(searcher._index.faiss_index)
    result = searcher.search_raster(search_archive["neon"], k=10)
    assert result.index_recall == sized_index.measured_recall(searcher._index.faiss_index)
    assert result.index_recall >= sized_index.TARGET_RECALL
    assert ("index_recall" in result.to_dict()) == (result.index_recall < 1)
    assert len(result.hits) == 10
    # distances are exact: whatever is found sits where the exact ranking puts it
    assert [h.distance for h in result.hits] == [h.distance for h in exact.hits]
