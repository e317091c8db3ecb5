"""The archive's faiss binary index of hash codes: build, save atomically, load, rebuild.

``IndexBinaryIDMap`` over ``IndexBinaryFlat``: exact Hamming search (fast to ~10^7 codes of
64 bits on a CPU) whose result ids are the catalog's tile ids. The index is derived data: the
catalog holds every code, so the index can always be rebuilt (``scicbir index rebuild DIR``).
The file is written to a temporary name and renamed over ``index.faiss``, with a side-car
``index.json`` recording the catalog generation it reflects; a reader whose catalog has moved
on (a run killed before it rewrote the index) rebuilds instead of trusting a stale file.

A damaged index whose header still parses (same ``ntotal``) would rank silently wrong, so the
sha256 of the file is recorded in the catalog (``archive_meta.index_sha256``) when it is
written and checked on every load; on a mismatch the index is rebuilt from the catalog in
memory, with a warning. Readers never write: saving is the writer's job (``rebuild_index``),
so a read-only archive stays searchable.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
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


def save_index(index, folder: str | Path, generation: int) -> str:
    """Write ``index.faiss`` and ``index.json`` atomically (temp file + rename); returns the sha256.

    The temporary files are named ``.index.faiss.tmp-PID`` / ``.index.json.tmp-PID``: a process
    killed before the rename leaves one behind, which the next writer removes
    (``clean_stale_temp_files``).
    """
    import faiss

    folder = Path(folder)
    path = folder / INDEX_FILE
    data = faiss.serialize_index_binary(index).tobytes()
    digest = hashlib.sha256(data).hexdigest()
    tmp = folder / f".{INDEX_FILE}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    meta = {
        "generation": generation,
        "ntotal": int(index.ntotal),
        "bits": int(index.d),
        "sha256": digest,
    }
    tmp_meta = folder / f".{INDEX_META}.tmp-{os.getpid()}"
    try:
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, folder / INDEX_META)
    except BaseException:
        tmp_meta.unlink(missing_ok=True)
        raise
    return digest


def load_index(
    folder: str | Path, generation: int | None = None, expected_sha256: str | None = None
):
    """The saved index, or None if absent, unreadable, older than ``generation`` or damaged.

    ``expected_sha256``: the checksum the catalog recorded when the index was written (else
    the one in ``index.json``, for an index saved before the catalog could record it). A file
    that does not match is damaged or replaced: None, with a warning.
    """
    import faiss

    folder = Path(folder)
    try:
        meta = json.loads((folder / INDEX_META).read_text())
        if generation is not None and meta.get("generation") != generation:
            return None
        data = (folder / INDEX_FILE).read_bytes()
    except (OSError, ValueError):
        return None
    expected = expected_sha256 or meta.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        warnings.warn(
            f"{folder / INDEX_FILE} does not match the checksum recorded in the catalog "
            "(damaged or replaced); searching with an index rebuilt in memory. Run "
            f"'scicbir index rebuild {folder}' to write a good one",
            IndexDamagedWarning,
            stacklevel=2,
        )
        return None
    try:
        index = faiss.deserialize_index_binary(np.frombuffer(data, dtype=np.uint8))
    except (RuntimeError, ValueError):
        return None
    if index.ntotal != meta.get("ntotal"):
        return None
    return index


class IndexDamagedWarning(UserWarning):
    """``index.faiss`` failed its checksum; an in-memory rebuild is used instead."""


def index_from_catalog(catalog):
    """The index of every code in ``catalog``, built in memory (nothing is written)."""
    ids, codes, bits = catalog.codes()
    if bits == 0:
        bits = int(catalog.meta().get("hash_bits", "0") or 0)
    return build_index(ids, codes, bits)


def rebuild_index(catalog, folder: str | Path):
    """Build the index from every code in ``catalog``, save it, record its checksum; returns it."""
    generation = catalog.generation
    index = index_from_catalog(catalog)
    digest = save_index(index, folder, generation)
    with catalog.transaction():
        catalog.set_meta({"index_sha256": digest, "index_generation": str(generation)})
    return index


def clean_stale_temp_files(folder: str | Path) -> list[Path]:
    """Remove ``.NAME.tmp-PID`` files of processes that no longer run; returns what went.

    They are what a kill between writing and renaming leaves (index, index side-car, a
    catalog being created). A file of a live process is left alone: it may still be renamed.
    """
    removed = []
    for path in Path(folder).glob(".*.tmp-*"):
        pid_text = path.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
