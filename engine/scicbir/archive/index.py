"""The archive's faiss binary index of hash codes: build, save atomically, load, rebuild.

``IndexBinaryIDMap`` over ``IndexBinaryFlat``: exact Hamming search (fast to ~10^7 codes of
64 bits on a CPU) whose result ids are the catalog's tile ids. The index is derived data: the
catalog holds every code, so the index can always be rebuilt (``scicbir index rebuild DIR``).
The file is written to a temporary name and renamed over ``index.faiss``, with a side-car
``index.json`` recording the catalog generation it reflects; a reader whose catalog has moved
on (a run killed before it rewrote the index) rebuilds instead of trusting a stale file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

INDEX_FILE = "index.faiss"
INDEX_META = "index.json"


def build_index(ids: np.ndarray, codes: np.ndarray, bits: int):
    """A ``faiss.IndexBinaryIDMap`` holding ``codes`` (uint8, (n, bits/8)) under ``ids``."""
    import faiss

    if bits <= 0 or bits % 8:
        raise ValueError(f"hash length {bits} is not a positive multiple of 8")
    index = faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(bits))
    if len(ids):
        index.add_with_ids(
            np.ascontiguousarray(codes, dtype=np.uint8), np.asarray(ids, dtype=np.int64)
        )
    return index


def save_index(index, folder: str | Path, generation: int) -> Path:
    """Write ``index.faiss`` and ``index.json`` atomically (temp file + rename)."""
    import faiss

    folder = Path(folder)
    path = folder / INDEX_FILE
    tmp = folder / f".{INDEX_FILE}.tmp-{os.getpid()}"
    faiss.write_index_binary(index, str(tmp))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    meta = {"generation": generation, "ntotal": int(index.ntotal), "bits": int(index.d)}
    tmp_meta = folder / f".{INDEX_META}.tmp-{os.getpid()}"
    tmp_meta.write_text(json.dumps(meta))
    os.replace(tmp_meta, folder / INDEX_META)
    return path


def load_index(folder: str | Path, generation: int | None = None):
    """The saved index, or None if absent, unreadable or older than ``generation``."""
    import faiss

    folder = Path(folder)
    try:
        meta = json.loads((folder / INDEX_META).read_text())
        if generation is not None and meta.get("generation") != generation:
            return None
        index = faiss.read_index_binary(str(folder / INDEX_FILE))
    except (OSError, ValueError, RuntimeError):
        return None
    if index.ntotal != meta.get("ntotal"):
        return None
    return index


def rebuild_index(catalog, folder: str | Path):
    """Build the index from every code in ``catalog`` and save it; returns the index."""
    generation = catalog.generation
    ids, codes, bits = catalog.codes()
    if bits == 0:
        bits = int(catalog.meta().get("hash_bits", "0") or 0)
    index = build_index(ids, codes, bits)
    save_index(index, folder, generation)
    return index
