"""The index is checked against its recorded checksum, and reading an archive never writes to it.

A corrupted ``index.faiss`` that still parses must not rank silently wrong; a stale one must not
make a search write (an archive on a read-only share, or another user's, stays searchable);
temporary files of a writer killed at the rename are removed by the next writer; two first
compresses into one new folder never leave or read a half-made catalog.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from scicbir.archive import Archive
from scicbir.archive.index import INDEX_FILE, IndexDamagedWarning, load_index
from scicbir.errors import InputError
from tests.archive.conftest import crop

NOBODY = 65534


def _copy(rgb_archive, target: Path) -> Path:
    folder, _ = rgb_archive
    shutil.copytree(folder, target)
    return target


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder`` with its mtime (ns) and content hash; and the folder mtimes."""
    state = {}
    for path in sorted(folder.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[str(path.relative_to(folder))] = (stat.st_mtime_ns, digest)
    state["."] = (folder.stat().st_mtime_ns, "dir")
    return state


def _flip_a_code_byte(folder: Path) -> None:
    """Damage the first tile's code inside ``index.faiss``; the header stays valid."""
    with Archive.open(folder, read_only=True) as archive:
        code = archive.tiles()[0].hash
    path = folder / INDEX_FILE
    data = bytearray(path.read_bytes())
    at = bytes(data).find(code)
    assert at > 0
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_corrupted_index_is_caught_by_its_checksum_and_rebuilt_in_memory(rgb_archive, tmp_path):
    import faiss

    copy = _copy(rgb_archive, tmp_path / "a")
    with Archive.open(copy, read_only=True) as archive:
        recorded = archive.catalog.meta()["index_sha256"]
        assert recorded == hashlib.sha256((copy / INDEX_FILE).read_bytes()).hexdigest()
        tiles = archive.tiles()
    _flip_a_code_byte(copy)
    damaged = (copy / INDEX_FILE).read_bytes()
    parsed = faiss.deserialize_index_binary(np.frombuffer(damaged, np.uint8))
    assert parsed.ntotal == len(tiles)  # would have been trusted by its header alone
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Archive.open(copy, read_only=True) as archive:
            index = archive.index()
            queries = np.stack([np.frombuffer(t.hash, np.uint8) for t in tiles])
            distances, _ = index.search(queries, 1)
    assert any(issubclass(w.category, IndexDamagedWarning) for w in caught)
    assert "index rebuild" in str(caught[0].message)
    assert (distances[:, 0] == 0).all()  # every tile found by its own code again
    assert (copy / INDEX_FILE).read_bytes() == damaged  # a reader does not write
    with Archive.open(copy) as archive:  # a writer's rebuild repairs the file
        archive.rebuild_index()
        assert load_index(copy, archive.catalog.generation, archive.catalog.meta()["index_sha256"])


def test_search_of_a_read_only_archive_with_a_stale_index_writes_nothing(rgb_archive):
    """Run as another user on a read-only folder when the tests run as root (root ignores
    permissions); in both cases no file, mtime or listing in the archive may change."""
    base = Path(tempfile.mkdtemp(prefix="scicbir-ro-"))
    try:
        os.chmod(base, 0o755)
        copy = _copy(rgb_archive, base / "archive")
        (copy / INDEX_FILE).unlink()  # stale: a search must rebuild it, in memory only
        for name in ("catalog.gpkg-wal", "catalog.gpkg-shm"):
            (copy / name).unlink(missing_ok=True)
        with Archive.open(copy, read_only=True) as archive:
            tile = archive.tiles()[0].id
            expected = len(archive.tiles())
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                archive.catalog.conn.execute("DELETE FROM tiles")
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = _snapshot(copy)
        home = base / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        as_nobody = os.geteuid() == 0

        def drop() -> None:
            os.setgid(NOBODY)
            os.setuid(NOBODY)

        command = [sys.executable, "-m", "scicbir", "search", "--archive", str(copy)]
        command += ["--tile", str(tile), "-k", str(expected), "--include-self", "--json"]
        env = dict(os.environ, HOME=str(home), OMP_NUM_THREADS="1")
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=drop if as_nobody else None,
            cwd=str(home),
        )
        assert done.returncode == 0, done.stderr
        results = json.loads(done.stdout)["results"]
        assert len(results) == expected and results[0]["distance"] == 0
        info = subprocess.run(
            [sys.executable, "-m", "scicbir", "archive", "info", str(copy), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=drop if as_nobody else None,
            cwd=str(home),
        )
        assert info.returncode == 0, info.stderr
        assert _snapshot(copy) == before
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base)


_KILL_AT_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    real = os.replace
    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith("index.faiss"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, *args, **kwargs)
    os.replace = replace
    from scicbir.archive import Archive
    with Archive.open(sys.argv[1]) as archive:
        archive.rebuild_index()
    """
)


def test_an_index_temp_file_left_by_a_kill_at_the_rename_goes_on_the_next_open(
    rgb_archive, tmp_path
):
    copy = _copy(rgb_archive, tmp_path / "a")
    good = (copy / INDEX_FILE).read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", _KILL_AT_RENAME, str(copy)], capture_output=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    left = list(copy.glob(".index.faiss.tmp-*"))
    assert left
    with Archive.open(copy, read_only=True) as archive:  # a reader leaves it
        assert archive.index().ntotal == len(archive.tiles())
    assert list(copy.glob(".index.faiss.tmp-*")) == left
    with Archive.open(copy) as archive:
        assert not list(copy.glob(".*.tmp-*"))
        assert archive.index().ntotal == len(archive.tiles())
    assert (copy / INDEX_FILE).read_bytes() == good


def test_a_second_first_time_writer_is_refused_clearly_while_the_first_creates(
    tiny_rgb_model, tmp_path
):
    from scicbir.archive.store import _take_lock

    folder = tmp_path / "new"
    folder.mkdir()
    held = _take_lock(folder)  # the first writer, between locking and its first commit
    try:
        with pytest.raises(InputError, match="another scicbir process is writing"):
            Archive.create(folder, tiny_rgb_model)
        assert not (folder / "catalog.gpkg").exists()
    finally:
        held.close()
    with Archive.create(folder, tiny_rgb_model) as archive:
        assert archive.model.model_id


@pytest.mark.slow
def test_two_first_time_compresses_racing_on_a_new_folder(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    src = tmp_path / "src"
    src.mkdir()
    crop(data_dir / "landsat" / "landsat8_224078_crop.tif", src / "scene.tif", 128, 128)
    folder = tmp_path / "new"
    command = [sys.executable, "-m", "scicbir", "compress", str(src), "--archive", str(folder)]
    command += ["--model", str(tiny_rgb_model.path), "--no-psnr", "--quiet", "--workers", "1"]
    runs = [
        subprocess.Popen(command, env=engine_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=600), p.stderr.read().decode()) for p in runs]
    for code, err in outcomes:
        assert "Traceback" not in err and "no such table" not in err, err
        assert code == 0 or "another scicbir process is writing" in err, err
    assert any(code == 0 for code, _ in outcomes)
    with Archive.open(folder, read_only=True) as archive:
        assert len(archive.tiles()) == 4


_KILL_IN_CREATE = textwrap.dedent(
    """
    import os, signal, sys
    from scicbir.archive import catalog
    from scicbir.archive.store import Archive
    from scicbir.models import resolve_model
    catalog.Catalog.set_meta = lambda self, values: os.kill(os.getpid(), signal.SIGKILL)
    Archive.create(sys.argv[1], resolve_model(sys.argv[2]))
    """
)


def test_a_kill_while_creating_the_catalog_leaves_no_half_made_catalog(tiny_rgb_model, tmp_path):
    folder = tmp_path / "new"
    done = subprocess.run(
        [sys.executable, "-c", _KILL_IN_CREATE, str(folder), str(tiny_rgb_model.path)],
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not (folder / "catalog.gpkg").exists()
    assert list(folder.glob(".catalog.gpkg.tmp-*"))
    with Archive.create(folder, tiny_rgb_model) as archive:
        assert archive.model is not None
    assert not list(folder.glob(".*.tmp-*"))


def test_index_rebuild_waits_for_no_writer(rgb_archive, tmp_path):
    """The index's checksum is kept in the catalog: a rebuild while a compress holds the
    archive would let the two write index and checksum from different states."""
    folder = _copy(rgb_archive, tmp_path / "copy")
    with Archive.open(folder) as writer:
        writer.lock()  # what a running compress holds
        with Archive.open(folder) as other, pytest.raises(InputError, match="another scicbir"):
            other.rebuild_index()
    with Archive.open(folder) as archive:
        assert archive.rebuild_index().ntotal == len(archive.tiles())
