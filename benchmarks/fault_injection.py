"""Fault injection: ``scicbir compress`` killed at random moments, resumed, compared to a clean run.

The archive's promise (docs/archive-format.md, "Crash safety and resuming") is that a kill at
any moment loses nothing and hangs nothing: running the same command again gives the archive
an uninterrupted run gives. This script tests the promise on real rasters:

1. A few committed samples from ``tests/data`` (a Landsat 8 crop, uint16; two RGB photos,
   uint8; 133 tiles of 64 px) are copied into a temporary folder and compressed once without
   interruption: the reference archive. That run is traced with ``strace`` to count the
   writing system calls of the compress process (``write``, ``pwrite64``, ``fsync``,
   ``fdatasync``, ``rename``, ``ftruncate``).
2. ``--kills`` times, into a fresh archive folder: the same command is started and killed
   with SIGKILL at a random point. With ``strace`` (``--mode syscall``, the default when
   ``strace`` can trace here) the kill lands on entering the K-th call of one of those
   system calls (``strace -e inject=SYSCALL:signal=SIGKILL:when=K``; the system calls seen
   are taken in turn, K at random up to the reference run's count), so kills hit the moments that matter: between a pack write and its
   ``fsync``, inside SQLite's commit, before the index's rename. Without ``strace``
   (``--mode delay``) the process is killed after a random delay within the reference run's
   duration. Encoder worker processes end with the killed process (PR_SET_PDEATHSIG).
3. The same command runs again (it must exit 0), and the resumed archive is compared with the
   reference tile by tile: the same tiles (source, column, row), tile ids, hash codes and
   logits, footprints, identical bitstream and nodata-mask bytes, decoded pixels equal; the
   ``sources`` rows (all but the time they were added), no bytes after the last referenced
   record of a pack (the killed run's uncommitted bytes dropped), the packs' total size (when
   they hold only streams and masks: metadata records hold times, so their size varies by a
   few bytes), and ``scicbir archive verify --json`` must report the archive healthy.

Prints one table row per kill (kill point, the archive state the kill left, what was compared,
the differences) and a total "N kills, D differences"; exits 1 when D > 0. Every compress runs
with the priority and thread settings this script was started with (start it with ``nice`` and
``OMP_NUM_THREADS=1`` on a shared machine). Each compress imports the engine anew, so run it on
a tree nobody edits meanwhile (e.g. a ``git worktree`` of the commit measured, with
``PYTHONPATH=<worktree>/engine``): an engine changed half-way makes the runs disagree.

Run: ``.venv/bin/python benchmarks/fault_injection.py [--kills 20] [--seed 1] [--mode auto]
[--model PATH] [--json OUT]``. It takes about 2 x ``--kills`` compress runs of the samples
(about 20 s each on 2 busy cores) plus decoding.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SAMPLES = (
    DATA / "landsat" / "landsat8_224078_crop.tif",
    DATA / "rgb" / "neon_OSBS_029.tif",
    DATA / "rgb" / "rmnp-rgb.tif",
)
DEFAULT_MODEL = REPO / "resources" / "models" / "scicbir-rgb-aid"
#: System calls a kill is injected at; each one seen in the reference run is a kind of its own,
#: taken in turn (strace counts the calls of each syscall separately).
SYSCALLS: dict[str, str] = {
    "pwrite64": "SQLite pages (catalog, WAL)",
    "write": "pack records, index files, pipes to the workers",
    "fsync": "packs before the catalog commit, index files",
    "fdatasync": "SQLite commits and checkpoints",
    "rename": "new catalog, index.faiss, index.json into place",
    "renameat": "(the same, where the C library uses it)",
    "renameat2": "(the same, where the C library uses it)",
    "ftruncate": "WAL reset, pack truncation",
}
RUN_TIMEOUT_S = 900


@dataclass
class Trial:
    """One kill, its resume and the comparison with the reference archive."""

    number: int
    kill_point: str
    killed: bool = False
    after_kill: str = ""
    resume_rc: int | None = None
    resume_summary: str = ""
    compared: str = ""
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0


def compress_command(src: Path, archive: Path, model: str, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scicbir",
        "compress",
        str(src),
        "--archive",
        str(archive),
        "--model",
        model,
        "--quiet",
        "--json",
        *extra,
    ]


def strace_works() -> bool:
    """Whether ``strace`` is installed and may trace here (ptrace can be forbidden in containers)."""
    if shutil.which("strace") is None:
        return False
    try:
        done = subprocess.run(
            ["strace", "-qq", "-o", os.devnull, "-e", "trace=write", "true"],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def reference_run(command: list[str], workdir: Path, traced: bool) -> tuple[float, Counter]:
    """The uninterrupted run: wall time and (when traced) the count of each writing syscall."""
    log = workdir / "reference.strace"
    names = sorted(SYSCALLS)
    full = command
    if traced:
        full = ["strace", "-qq", "-o", str(log), "-e", f"trace={','.join(names)}", *command]
    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"fault_injection: the reference compress failed:\n{done.stderr[-2000:]}")
    counts: Counter = Counter()
    if traced:
        for line in log.read_text().splitlines():
            name = line.split("(", 1)[0].strip()
            if name in names:
                counts[name] += 1
    return seconds, counts


def archive_state(folder: Path) -> str:
    """What a killed run left: catalog, committed sources and tiles, uncommitted pack bytes."""
    catalog = folder / "catalog.gpkg"
    if not catalog.is_file():
        temps = [p.name for p in folder.glob(".catalog.gpkg.tmp-*")] if folder.is_dir() else []
        return "no catalog" + (" (temp catalog left)" if temps else "")
    try:
        conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5)
        try:
            sources = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
            tiles = conn.execute("SELECT count(*) FROM tiles").fetchone()[0]
            ends = dict(
                conn.execute(
                    "SELECT pack, max(max(offset + length, coalesce(mask_offset + mask_length, 0)))"
                    " FROM tiles GROUP BY pack"
                ).fetchall()
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"catalog unreadable ({exc})"
    packs = folder / "packs"
    orphan = sum(
        max(0, p.stat().st_size - int(ends.get(p.name, 0))) for p in packs.glob("pack-*.bin")
    )
    index = "index" if (folder / "index.faiss").is_file() else "no index"
    return f"{sources} src / {tiles} tiles, {orphan} B uncommitted, {index}"


def kill_run(command: list[str], point: tuple[str, int] | float) -> tuple[bool, str]:
    """Run ``command`` and kill it at ``point``: (syscall kind, K) or a delay in seconds.

    Returns whether it was killed (a run may finish before its K-th call) and the point as text.
    """
    if isinstance(point, tuple):
        name, k = point
        traced = [
            *("strace", "-qq", "-o", os.devnull, "-e", f"trace={name}"),
            *("-e", f"inject={name}:signal=SIGKILL:when={k}"),
            *command,
        ]
        done = subprocess.run(traced, capture_output=True, timeout=RUN_TIMEOUT_S)
        # strace re-raises the tracee's fatal signal on itself.
        killed = done.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)
        return killed, f"{name} #{k}"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=point)
        return False, f"after {point:.1f} s"
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True, f"after {point:.1f} s"


def snapshot(folder: Path, decode: bool) -> dict[str, Any]:
    """Everything compared: tiles by (source, col, row), sources rows, pack bytes, pixels."""
    from scicbir.archive import Archive

    with Archive.open(folder, read_only=True) as archive:
        tiles = {}
        for t in archive.tiles():
            mask = (
                archive._reader.read(t.pack, t.mask_offset, t.mask_length)
                if t.mask_offset is not None
                else None
            )
            tiles[(t.source_path, t.col, t.row)] = {
                "id": t.id,
                "code": t.hash,
                "logits": t.hash_logits,
                "footprint": t.footprint,
                "stream": archive.read_stream(t),
                "mask": mask,
                "pixels": archive.decode_tile(t) if decode else None,
            }
        sources = {
            s["path"]: {k: v for k, v in s.items() if k != "added"} for s in archive.sources()
        }
    pack_bytes = sum(p.stat().st_size for p in (folder / "packs").glob("pack-*.bin"))
    return {"tiles": tiles, "sources": sources, "pack_bytes": pack_bytes}


def has_metadata_records(folder: Path) -> bool:
    """Whether the packs carry metadata records besides streams and masks (their start, b"SCMD")."""
    marker = b"SCB1"
    for pack in (folder / "packs").glob("pack-*.bin"):
        data = pack.read_bytes()
        at = data.find(marker)
        while at >= 0:
            if data[at + 12 : at + 16] == b"SCMD":
                return True
            at = data.find(marker, at + 1)
    return False


def compare(
    reference: dict[str, Any], resumed: dict[str, Any], exact_packs: bool = True
) -> list[str]:
    """The differences between two snapshots, one line each (empty: identical).

    ``exact_packs``: the packs' total bytes must match (packs of streams and masks only; packs
    that also carry metadata records, which hold the time a source was added, differ by a few
    bytes between any two runs, so there only the bytes after the last referenced record count).
    """
    found: list[str] = []
    ref_tiles, new_tiles = reference["tiles"], resumed["tiles"]
    missing = set(ref_tiles) - set(new_tiles)
    extra = set(new_tiles) - set(ref_tiles)
    if missing:
        found.append(f"{len(missing)} tiles missing")
    if extra:
        found.append(f"{len(extra)} tiles not in the reference")
    counts: Counter = Counter()
    for key in set(ref_tiles) & set(new_tiles):
        a, b = ref_tiles[key], new_tiles[key]
        for name in ("id", "code", "logits", "footprint", "stream", "mask"):
            if a[name] != b[name]:
                counts[name] += 1
        if a["pixels"] is not None and not np.array_equal(a["pixels"], b["pixels"], equal_nan=True):
            counts["pixels"] += 1
    found += [f"{n} tiles differ in {name}" for name, n in sorted(counts.items())]
    if reference["sources"] != resumed["sources"]:
        differing = [
            p
            for p in set(reference["sources"]) | set(resumed["sources"])
            if reference["sources"].get(p) != resumed["sources"].get(p)
        ]
        found.append(f"sources rows differ: {', '.join(Path(p).name for p in sorted(differing))}")
    if reference["pack_bytes"] != resumed["pack_bytes"] and not exact_packs:
        pass  # metadata records hold times (zlib-compressed): their size varies by a few bytes
    elif reference["pack_bytes"] != resumed["pack_bytes"]:
        found.append(f"packs {resumed['pack_bytes']} B, reference {reference['pack_bytes']} B")
    return found


def verify(folder: Path) -> tuple[bool, str, dict[str, int]]:
    """``scicbir archive verify --json``: healthy?, the problems, and per pack the bytes after
    its last referenced record (uncommitted bytes a resume must drop)."""
    done = subprocess.run(
        [sys.executable, "-m", "scicbir", "archive", "verify", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return False, f"verify exit {done.returncode}: {done.stderr[-300:]}", {}
    ok = bool(report.get("ok")) and done.returncode == 0
    tails = {
        p["name"]: int(p["bytes"] or 0) - int(p["referenced_end"] or 0)
        for p in report.get("packs", [])
    }
    return ok, "" if ok else f"verify: {report.get('problems')}", tails


def kill_point(
    rng: random.Random, number: int, mode: str, counts: Counter, seconds: float
) -> tuple[str, int] | float:
    """Where trial ``number`` kills: the syscalls seen in turn with a random K, or a delay."""
    if mode == "delay":
        return round(rng.uniform(0.2, seconds), 2)
    names = sorted(n for n in SYSCALLS if counts[n])
    name = names[(number - 1) % len(names)]
    return name, rng.randint(1, min(counts[name], 65535))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kills (each resumed and compared)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the kill points")
    parser.add_argument(
        "--mode",
        choices=("auto", "syscall", "delay"),
        default="auto",
        help="kill at random system calls (strace) or after random delays; auto: syscall "
        "when strace can trace here",
    )
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="model package folder")
    parser.add_argument(
        "--compress-args", default="", help="extra options for compress, e.g. '--no-psnr'"
    )
    parser.add_argument("--no-decode", action="store_true", help="do not compare decoded pixels")
    parser.add_argument("--json", type=Path, help="write the trials here as JSON")
    parser.add_argument("--keep", type=Path, help="keep the work folder here (for inspection)")
    args = parser.parse_args(argv)

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import torch

    from benchmarks.machine import describe

    torch.set_num_threads(1)
    mode = args.mode
    if mode == "auto":
        mode = "syscall" if strace_works() else "delay"
    elif mode == "syscall" and not strace_works():
        sys.exit("fault_injection: --mode syscall needs strace (apt-get install strace) and ptrace")
    machine = describe()
    print(
        f"machine: {machine['cpu']}, {machine['cores_visible']} cores, "
        f"{machine['memory_gib']} GiB, load {os.getloadavg()[0]:.1f}, nice {os.nice(0)}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    work = Path(tempfile.mkdtemp(prefix="scicbir-faults-"))
    started = time.perf_counter()
    try:
        src = work / "src"
        src.mkdir()
        for sample in SAMPLES:
            shutil.copy2(sample, src / sample.name)
        extra = args.compress_args.split()
        ref_dir = work / "reference"
        command = compress_command(src, ref_dir, args.model, extra)
        ref_seconds, counts = reference_run(command, work, traced=mode == "syscall")
        reference = snapshot(ref_dir, decode=not args.no_decode)
        metadata = has_metadata_records(ref_dir)
        ok, problem, ref_tails = verify(ref_dir)
        if not ok:
            sys.exit(f"fault_injection: the reference archive is not healthy: {problem}")
        calls = ", ".join(f"{n} {c}" for n, c in sorted(counts.items())) or "not traced"
        print(
            f"reference: {len(SAMPLES)} rasters, {len(reference['tiles'])} tiles, "
            f"{reference['pack_bytes']} pack bytes, {ref_seconds:.1f} s; "
            f"compress syscalls: {calls}"
        )
        print(f"mode: {mode}, seed {args.seed}, command: {' '.join(command[1:])}")
        pixels = "" if args.no_decode else ", decoded pixels"
        print(
            "compared with the reference: per tile (source, col, row) the tile set, id, hash "
            f"code and logits, footprint, bitstream and mask bytes{pixels}; the sources rows; the "
            "packs' bytes after their last referenced record (and total bytes, for packs without "
            "metadata records); 'scicbir archive verify --json' healthy. resume: exit status, "
            "sources +added =unchanged ~replaced !failed"
        )
        rng = random.Random(args.seed)
        trials = []
        header = f"{'run':>3} | {'kill point':<16} | {'after kill':<50} | {'resume':<22} | "
        print(header + "compared | differences")
        number = 0
        # A run can finish before its kill point (a syscall count that varies between runs):
        # it is still resumed and compared, and another trial is added, up to twice --kills.
        while sum(t.killed for t in trials) < args.kills and number < 2 * args.kills:
            number += 1
            point = kill_point(rng, number, mode, counts, ref_seconds)
            t0 = time.perf_counter()
            folder = work / f"kill-{number:02d}"
            run = compress_command(src, folder, args.model, extra)
            killed, where = kill_run(run, point)
            trial = Trial(number, where, killed, archive_state(folder))
            if not killed:
                trial.after_kill = "finished before the kill point; " + trial.after_kill
            resumed = subprocess.run(run, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
            trial.resume_rc = resumed.returncode
            try:
                summary = json.loads(resumed.stdout)
                trial.resume_summary = (
                    f"rc {resumed.returncode}: +{summary['added']} ={summary['unchanged']}"
                    f" ~{summary['replaced']} !{summary['failed']}"
                )
            except (json.JSONDecodeError, KeyError):
                trial.resume_summary = f"rc {resumed.returncode}"
            if resumed.returncode != 0:
                trial.differences.append(f"resume failed: {resumed.stderr.strip()[-300:]}")
            if (folder / "catalog.gpkg").is_file():
                got = snapshot(folder, decode=not args.no_decode)
                trial.differences += compare(reference, got, exact_packs=not metadata)
                ok, problem, tails = verify(folder)
                if not ok:
                    trial.differences.append(problem)
                if tails != ref_tails:
                    trial.differences.append(f"bytes after the last referenced record: {tails}")
                trial.compared = f"{len(got['tiles'])} tiles, sources, packs, verify"
            else:
                trial.differences.append("no catalog after the resume")
            trial.seconds = time.perf_counter() - t0
            trials.append(trial)
            print(
                f"{number:>3} | {where:<16} | {trial.after_kill[:50]:<50} | "
                f"{trial.resume_summary:<22} | {trial.compared} | "
                f"{'; '.join(trial.differences) or '0'}",
                flush=True,
            )
            shutil.rmtree(folder, ignore_errors=True)
        kills = sum(t.killed for t in trials)
        differences = sum(len(t.differences) for t in trials)
        print(
            f"total: {kills} kills ({len(trials)} runs), {differences} differences, "
            f"{(time.perf_counter() - started) / 60:.1f} min"
        )
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine,
                        "mode": mode,
                        "seed": args.seed,
                        "command": " ".join(command[1:]),
                        "reference": {
                            "tiles": len(reference["tiles"]),
                            "pack_bytes": reference["pack_bytes"],
                            "seconds": ref_seconds,
                            "syscalls": dict(counts),
                        },
                        "kills": kills,
                        "differences": differences,
                        "trials": [asdict(t) for t in trials],
                    },
                    indent=2,
                    default=str,
                ),
                encoding="utf-8",
            )
        return 1 if differences else 0
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
