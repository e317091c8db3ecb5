"""Codes shared by many tiles: searched once, ranked inside by their logits without a row scan.

Real archives collapse: a hash model gives sea, cloud or no-data tiles one code, and 13-17 % of
an archive's tiles can share it. Searched tile by tile, a query with that code finds hundreds of
thousands of tiles at distance 0; completing the ties (``knn``) and scoring them by their logits
(``merge``) then means listing them all and reading each one's logits from the catalog, which
made such a query 200 times slower than any other at 10^7 tiles (bench_tied_codes.py).

Here every code shared by at least ``min_size`` tiles is a *group*: the index the search runs on
(``SearchIndex``) holds the group's code once, under a negative id, beside the tiles whose code
is theirs alone or rare, and knows how many tiles each entry stands for (``weights``). The
k-nearest-neighbour gathering counts those weights when it checks that the top k is complete,
and ``candidates`` then replaces each group by the tiles that can still enter the top k:

- a group nearer than the k-th merged distance enters whole (it holds fewer than k tiles);
- a group *at* the k-th distance gives, per query tile reaching it, the ``r`` members whose
  logits are nearest to that query tile's logits (cosine distance, the merge's tie-break), with
  ``r`` the number of places left. All members share the code, so they share the Hamming
  distance; the members a merge would rank first among them are in the union of these lists.

The members' logits are held normalised per group (``GroupLogits``, read in one pass when a
searcher starts, extended as a compress appends tiles): up to ``EXACT_MAX`` members they are scanned exactly (so the ranking
equals the exhaustive one, ``hamming.exhaustive_ranking``), above it an inverted-file index over
them (``faiss.IndexIVFScalarQuantizer``, 8 bits per value, inner product on unit vectors) visits
half of its lists (the members it returns are then ranked on their exact logits by the
merge); ``benchmarks/bench_tied_codes.py`` reports the recall this costs and the latency of a
collapsed query beside a normal one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scicbir.codec.blas_threads import single_threaded_blas
from scicbir.search import sized_index
from scicbir.search.knn import gather_candidates, kth_distance
from scicbir.search.merge import Candidates, LogitsLookup, min_distance_per_tile

#: Codes held by at least this many tiles are searched as one entry. Below it, listing tied
#: tiles and reading their logits costs less than a millisecond.
MIN_GROUP = 256
#: Groups up to this size rank their members by an exact scan (8 MB of float32 at 64 bits,
#: about half a millisecond on one core). Scanning a larger group costs more than a normal
#: query over the archive around it (bench_tied_codes.py: 139,000 members, 4 ms against 1 ms).
EXACT_MAX = 32_768
_LOGITS_CHUNK = 20_000
_OVERFETCH = 4
_FLOAT32_SLACK = 1e-5


def group_entry_id(group: int) -> int:
    """The index id of group ``group``: negative, never a tile id, never faiss's -1."""
    return -2 - group


@dataclass
class GroupLogits:
    """The members of one group and their unit-length logits, ranked by cosine to a query."""

    members: np.ndarray  # int64 tile ids, ascending
    unit: np.ndarray | None  # float32 (len(members), bits), None when logits are unknown
    ivf: Any = None  # faiss index over ``unit`` with the members' positions as ids
    quantizer: Any = None  # the IVF's coarse quantizer, kept alive beside it

    def with_members(self, ids: np.ndarray, logits: np.ndarray | None) -> GroupLogits:
        """This group with tiles ``ids`` (all larger than its members) added."""
        members = np.concatenate([self.members, ids])
        if logits is None or (self.unit is None and self.ivf is None):
            return GroupLogits(members, None)  # a member without logits: the merge orders by id
        unit = _unit(logits)
        if self.ivf is not None:
            self.ivf.add(unit)  # positions continue after the current members
            return GroupLogits(members, None, self.ivf, self.quantizer)
        return GroupLogits(members, np.concatenate([self.unit, unit]))

    @classmethod
    def build(cls, members: np.ndarray, logits: np.ndarray | None) -> GroupLogits:
        if logits is None:
            return cls(members, None)
        unit = _unit(logits)
        if len(members) <= EXACT_MAX:
            return cls(members, unit)
        import faiss

        bits = unit.shape[1]
        nlist = int(np.sqrt(len(members)))
        quantizer = faiss.IndexFlatIP(bits)
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, bits, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        rng = np.random.default_rng(0)
        ivf.train(unit[rng.choice(len(unit), min(len(unit), 40 * nlist), replace=False)])
        ivf.add(unit)
        ivf.nprobe = max(1, nlist // 2)  # see bench_tied_codes.py for the recall it gives
        return cls(members, None, ivf, quantizer)

    def nearest(self, query_logits: np.ndarray | None, count: int) -> np.ndarray:
        """The ``count`` member ids nearest first (cosine distance, then id), and up to ``count``
        more tied with the last within float32 rounding; from an inverted file, up to ``4 * count`` nearest by
        its 8-bit values, in its order. The merge ranks what comes back on the exact logits."""
        count = min(count, len(self.members))
        if count <= 0:
            return np.zeros(0, np.int64)
        if query_logits is None or (self.unit is None and self.ivf is None):
            return self.members[:count]  # no logits: the merge orders by id
        q = _unit(np.asarray(query_logits, np.float32)[None, :])
        if self.ivf is not None:
            import faiss

            ivf_threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)  # see knn.SINGLE_THREAD_WORK: one core answers sooner
            try:
                # 8-bit values reorder members whose logits are close: return 4x as many and
                # let the merge rank them on their exact logits
                _, pos = self.ivf.search(q, min(len(self.members), _OVERFETCH * count))
            finally:
                faiss.omp_set_num_threads(ivf_threads)
            pos = pos[0][pos[0] >= 0]
            return self.members[pos]
        with single_threaded_blas():  # a product this small waits for a second thread
            dist = 1.0 - self.unit @ q[0]
        if count < len(dist):
            part = np.argpartition(dist, count - 1)[:count]
            # keep every member tied with the last one up to float32 rounding: the merge ranks
            # them on float64 logits, which may order them otherwise
            part = np.flatnonzero(dist <= dist[part].max() + _FLOAT32_SLACK)
        else:
            part = np.arange(len(dist))
        order = part[np.lexsort((self.members[part], dist[part]))]
        return self.members[order[: 2 * count]]  # identical logits (no-data tiles): by id


def _unit(logits: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(logits, dtype=np.float32)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norm > 0, x / np.where(norm > 0, norm, 1.0), 0.0).astype(np.float32)


@dataclass
class SearchIndex:
    """The faiss index a search runs on: rare codes per tile, shared codes once per group."""

    faiss_index: Any
    tiles: int  # tiles in the archive (the faiss index holds fewer entries when groups exist)
    bits: int
    groups: list[GroupLogits] = field(default_factory=list)
    group_codes: list[bytes] = field(default_factory=list)  # the code of each group
    max_tile_id: int = -1  # the largest tile id held

    def weights(self, excluded: np.ndarray) -> Callable[[np.ndarray], np.ndarray] | None:
        """``weights(entry_ids)``: how many non-excluded tiles each index entry stands for
        (None when no entry stands for more than one tile)."""
        if not self.groups:
            return None
        sizes = self._sizes.copy()
        excluded = np.unique(np.asarray(excluded, np.int64))
        if excluded.size:
            pos = np.minimum(np.searchsorted(self._grouped, excluded), len(self._grouped) - 1)
            hit = self._grouped[pos] == excluded
            sizes -= np.bincount(self._group_of[pos[hit]], minlength=len(sizes))

        def weigh(ids: np.ndarray) -> np.ndarray:
            ids = np.asarray(ids, np.int64)
            out = np.ones(ids.shape, np.int64)
            grouped = ids <= -2
            out[grouped] = sizes[-2 - ids[grouped]]
            return out

        return weigh

    def __post_init__(self) -> None:
        self._group_of_code = {code: g for g, code in enumerate(self.group_codes)}
        # every grouped tile id, sorted, and its group: excluded tiles are counted in one search
        self._sizes = np.array([len(g.members) for g in self.groups], np.int64)
        if self.groups:
            ids = np.concatenate([g.members for g in self.groups])
            group_of = np.repeat(np.arange(len(self.groups)), self._sizes)
            order = np.argsort(ids, kind="stable")
            self._grouped, self._group_of = ids[order], group_of[order]

    @property
    def last_id(self) -> int:
        """The largest tile id held (tiles are numbered in the order they were committed)."""
        return self.max_tile_id

    def add(self, ids: np.ndarray, codes: np.ndarray, logits: LogitsLookup | None) -> None:
        """Take in tiles committed after ``last_id`` (a compress since this index was built):
        those with a group's code join the group, the others become entries of their own.

        Cheaper than building again (which at 10^8 codes means minutes for the inverted file);
        a code that becomes common this way is grouped at the next full build, and searched
        correctly, tile by tile, until then.
        """
        ids = np.asarray(ids, np.int64)
        codes = np.ascontiguousarray(codes, np.uint8)
        if ids.size == 0:
            return
        if ids.min() <= self.max_tile_id:
            raise ValueError("only tiles committed after the index was built can be added")
        group_of = np.array(
            [self._group_of_code.get(c.tobytes(), -1) for c in codes], dtype=np.int64
        )
        alone = group_of < 0
        if alone.any():
            self.faiss_index.add_with_ids(np.ascontiguousarray(codes[alone]), ids[alone])
        for g in np.unique(group_of[~alone]):
            joining = ids[group_of == g]
            got = None
            if self.groups[g].unit is not None or self.groups[g].ivf is not None:
                got = _read_logits(logits, joining)
            self.groups[g] = self.groups[g].with_members(joining, got)
        self.tiles += int(ids.size)
        self.max_tile_id = max(self.max_tile_id, int(ids.max()))
        self.__post_init__()

    def candidates(
        self,
        queries: np.ndarray,
        k: int,
        query_logits: np.ndarray | None,
        excluded: np.ndarray,
    ) -> Candidates:
        """Tile-level candidates for ``merge_min`` (every triple it needs to rank the top k).

        When every query tile's code *is* a group's code and those groups hold at least ``k``
        tiles, no search is needed: the k-th distance is 0, and every tile at distance 0 from a
        query tile has its code, so is a member of its group. Only the members' logits are
        looked at, so such a query costs less than one over the whole index.
        """
        weigh = self.weights(excluded)
        exact = self._exact_hits(queries)
        if (
            exact is not None
            and weigh is not None
            and len(exact.query) == len(queries)
            and int(weigh(np.unique(exact.ids)).sum()) >= k  # a group hit twice counts once
        ):
            found = exact
        else:
            found = gather_candidates(self.faiss_index, queries, k, excluded, weigh)
        return self._expand(found, k, query_logits, excluded, weigh)

    def _exact_hits(self, queries: np.ndarray) -> Candidates | None:
        """(query tile, group entry, 0) for the query tiles whose code is a group's code."""
        if not self.groups:
            return None
        rows, entries = [], []
        for row, code in enumerate(np.asarray(queries, np.uint8)):
            group = self._group_of_code.get(code.tobytes())
            if group is not None:
                rows.append(row)
                entries.append(group_entry_id(group))
        if not rows:
            return None
        return Candidates(
            np.asarray(rows, np.int32),
            np.asarray(entries, np.int64),
            np.zeros(len(rows), np.int32),
        )

    def _expand(
        self,
        cands: Candidates,
        k: int,
        query_logits: np.ndarray | None,
        excluded: np.ndarray,
        weigh: Callable[[np.ndarray], np.ndarray] | None,
    ) -> Candidates:
        """Tile-level candidates: groups replaced by the members that count (module docstring)."""
        grouped = cands.ids <= -2
        if weigh is None or not grouped.any():
            return cands
        entries, best = min_distance_per_tile(cands)
        w = weigh(entries)
        cutoff = kth_distance(best, w, k)
        places = k - int(w[best < cutoff].sum())  # places left at the cutoff distance

        keep = ~grouped
        parts = [Candidates(cands.query[keep], cands.ids[keep], cands.distance[keep])]
        excluded_set = np.unique(np.asarray(excluded, np.int64))
        for i in np.flatnonzero((entries <= -2) & (best <= cutoff)):  # the groups that count
            entry, dist = entries[i], int(best[i])
            group = self.groups[-2 - int(entry)]
            rows = (cands.ids == entry) & (cands.distance == dist)
            reaching = np.unique(cands.query[rows])
            if dist < cutoff:
                members = group.members
            else:
                extra = len(group.members) - int(w[i])  # its excluded members
                chosen = [
                    group.nearest(None if query_logits is None else query_logits[q], places + extra)
                    for q in reaching
                ]
                members = np.unique(np.concatenate(chosen))
            members = members[~np.isin(members, excluded_set)]
            q = np.repeat(reaching.astype(np.int32), len(members))
            ids = np.tile(members, len(reaching))
            parts.append(Candidates(q, ids, np.full(ids.shape, dist, np.int32)))
        return Candidates(
            np.concatenate([p.query for p in parts]),
            np.concatenate([p.ids for p in parts]),
            np.concatenate([p.distance for p in parts]),
        )


def search_index(
    faiss_index: Any,
    logits: LogitsLookup | None,
    min_size: int | None = None,
) -> SearchIndex:
    """The ``SearchIndex`` of an archive's exact index (``IndexBinaryIDMap`` over a flat index).

    ``min_size``: the smallest group (default ``MIN_GROUP``). Shared codes are found with one
    sort of the codes; the logits of each group's members are
    read with ``logits`` (the catalog's lookup) in large chunks, once.
    """
    import faiss

    min_size = MIN_GROUP if min_size is None else min_size
    id_map = faiss.downcast_IndexBinary(faiss_index)
    n = int(id_map.ntotal)
    bits = int(id_map.d)
    if n == 0:
        return SearchIndex(faiss_index, 0, bits)
    ids = faiss.vector_to_array(id_map.id_map).astype(np.int64)
    flat = faiss.downcast_IndexBinary(id_map.index)
    codes = faiss.vector_to_array(flat.xb).reshape(n, -1)
    _, inverse, counts = np.unique(_sort_keys(codes), return_inverse=True, return_counts=True)
    shared = np.flatnonzero(counts >= min_size)
    if shared.size == 0:
        if n <= sized_index.FLAT_MAX:
            return SearchIndex(faiss_index, n, bits, max_tile_id=int(ids.max()))  # as loaded
        return SearchIndex(
            sized_index.entries_index(codes, ids, bits), n, bits, max_tile_id=int(ids.max())
        )
    in_group = (counts >= min_size)[inverse]
    grouped_rows = np.flatnonzero(in_group)
    grouped_rows = grouped_rows[np.argsort(inverse[grouped_rows], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts[shared])])
    groups: list[GroupLogits] = []
    group_codes = []
    for g in range(len(shared)):
        rows = grouped_rows[starts[g] : starts[g + 1]]
        members = np.sort(ids[rows])
        got = _read_logits(logits, members)
        groups.append(GroupLogits.build(members, got))
        group_codes.append(codes[rows[0]])
    rest = ~in_group
    index = sized_index.entries_index(
        np.concatenate([codes[rest], np.stack(group_codes)]),
        np.concatenate([ids[rest], [group_entry_id(g) for g in range(len(groups))]]),
        bits,
    )
    return SearchIndex(
        index, n, bits, groups, [bytes(c) for c in group_codes], max_tile_id=int(ids.max())
    )


def _sort_keys(codes: np.ndarray) -> np.ndarray:
    """One sortable scalar per code: a machine word where the code fits one (fast), else bytes."""
    codes = np.ascontiguousarray(codes)
    words = {8: np.uint64, 4: np.uint32, 2: np.uint16, 1: np.uint8}
    if codes.shape[1] in words:
        return codes.view(words[codes.shape[1]]).ravel()
    return codes.view(np.dtype((np.void, codes.shape[1]))).ravel()


def _read_logits(lookup: LogitsLookup | None, members: np.ndarray) -> np.ndarray | None:
    if lookup is None:
        return None
    chunks = []
    for start in range(0, len(members), _LOGITS_CHUNK):
        got = lookup(members[start : start + _LOGITS_CHUNK])
        if got is None:
            return None
        chunks.append(np.asarray(got, np.float32))
    return np.concatenate(chunks)
