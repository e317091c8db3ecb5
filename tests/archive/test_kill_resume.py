"""Killing ``scicbir compress`` at a bad moment, then resuming, equals one uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scicbir.archive import Archive
from scicbir.archive.compress import CompressOptions, compress_folder
from tests.archive.conftest import crop

COPIES = 6


def _state(folder):
    """(committed sources, {pack: committed end}) read straight from the catalog."""
    try:
        conn = sqlite3.connect(f"file:{folder / 'catalog.gpkg'}?mode=ro", uri=True, timeout=1)
        try:
            sources = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
            ends = dict(
                conn.execute(
                    "SELECT pack, max(offset + length) FROM tiles GROUP BY pack"
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, {}
    return sources, ends


def _uncommitted_bytes(folder, ends) -> bool:
    packs = folder / "packs"
    if not packs.is_dir():
        return False
    return any(p.stat().st_size > ends.get(p.name, 0) for p in packs.glob("pack-*.bin"))


def _rows(folder):
    with Archive.open(folder) as archive:
        return {
            (os.path.basename(t.source_path), t.col, t.row): (t.id, t.hash, archive.read_stream(t))
            for t in archive.tiles()
        }


def _data_bytes(folder: Path) -> tuple[int, int]:
    """(records, bytes) of the packs' stream and mask records, every one read and CRC-checked.
    The metadata records that describe each source hold the time it was added, so two runs'
    packs differ in those few bytes; the data records must match exactly."""
    from scicbir.archive.metadata import is_metadata, iter_records

    records = total = 0
    for pack in sorted((folder / "packs").glob("pack-*.bin")):
        for record in iter_records(pack):
            assert record.ok and not record.cut, f"{pack}: damaged record at {record.offset}"
            if not is_metadata(record.payload):
                records += 1
                total += record.length
    return records, total


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    src = tmp_path / "src"
    src.mkdir()
    for k in range(COPIES):  # distinct files, 9 tiles each
        crop(data_dir / "landsat" / "landsat8_224078_crop.tif", src / f"scene{k}.tif", 192, 192)
    killed = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "scicbir",
        "compress",
        str(src),
        "--archive",
        str(killed),
        "--model",
        str(tiny_rgb_model.path),
        "--no-psnr",
        "--quiet",
        "--json",
    ]
    process = subprocess.Popen(
        command, env=engine_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    try:
        # Kill once a source is committed AND bitstreams of the next one are on disk but not
        # yet referenced by the catalog: the worst moment for consistency.
        while time.monotonic() < deadline and process.poll() is None:
            sources, ends = _state(killed)
            if sources >= 1 and _uncommitted_bytes(killed, ends):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    sources, ends = _state(killed)
    assert 1 <= sources < COPIES
    assert _uncommitted_bytes(killed, ends)  # the kill left unreferenced bytes behind
    partial = _rows(killed)  # every committed tile reads back (framing + CRC checked)
    assert len(partial) == 9 * sources

    resumed = subprocess.run(command, env=engine_env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert (summary["unchanged"], summary["added"]) == (sources, COPIES - sources)

    straight = tmp_path / "straight"
    compress_folder(src, straight, str(tiny_rgb_model.path), options=CompressOptions(psnr=False))

    after, reference = _rows(killed), _rows(straight)
    assert len(after) == len(reference) == 9 * COPIES  # no duplicates, nothing missing
    assert after == reference  # same ids, codes and bitstreams, tile by tile
    assert _data_bytes(killed) == _data_bytes(straight)  # the orphaned bytes were dropped
    with Archive.open(killed) as archive:
        assert archive.index().ntotal == 9 * COPIES
