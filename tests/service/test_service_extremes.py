"""The engine keeps answering while a compress job codes rasters with extreme values.

A latent beyond 2**27 used to make compressai's rANS coder loop for ever while holding the GIL,
so the whole ``scicbir serve`` process stopped: no ``hello``, no ``cancel``, and closing stdin
did not end it. The engine runs here as a real subprocess; every wait has a timeout and the
process is killed at the end whatever happens, so a regression fails instead of hanging.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.archive.extremes import _float_crop, _write, write_extreme_rasters

#: The answer time the client relies on, whatever a job does.
ANSWER_S = 1.0


class Engine:
    """``scicbir serve`` with a reader thread that timestamps every line it prints."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = open(log, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scicbir", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[tuple[float, dict]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put((time.monotonic(), json.loads(line)))

    def send(self, request_id: int, method: str, params: dict | None = None) -> float:
        self.proc.stdin.write(
            json.dumps({"id": request_id, "method": method, "params": params or {}}) + "\n"
        )
        self.proc.stdin.flush()
        return time.monotonic()

    def wait(self, predicate, timeout: float) -> tuple[float, dict]:
        """The first message (arrival time, message) matching ``predicate``, also among those
        that arrived while waiting for another."""
        for seen in self.seen:
            if predicate(seen[1]):
                return seen
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, "no such message in time"
            try:
                arrived, message = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append((arrived, message))
            if predicate(message):
                return arrived, message

    def call(self, request_id: int, method: str, params: dict | None = None, timeout=60.0):
        """(seconds to the reply, reply)."""
        sent = self.send(request_id, method, params)
        arrived, reply = self.wait(lambda m: m.get("id") == request_id, timeout)
        return arrived - sent, reply

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


def test_hello_jobs_and_cancel_answer_within_a_second_during_extreme_values(
    data_dir, tiny_rgb_model, engine_env, tmp_path
):
    src = tmp_path / "src"
    write_extreme_rasters(data_dir, src)
    for k in range(16):  # more work after the extremes, so the job is still running
        pixels, profile = _float_crop(data_dir, src, f"e{k}", 256, 192)
        _write(src, f"e_plain{k}.tif", pixels + k, profile)
    engine = Engine(dict(engine_env, OMP_NUM_THREADS="1"), tmp_path / "engine.log")
    try:
        engine.call(1, "hello", timeout=120)
        params = {
            "input": str(src),
            "archive": str(tmp_path / "archive"),
            "model": str(tiny_rgb_model.path),
            "batch_size": 4,
        }
        _, started = engine.call(2, "compress", params, timeout=120)
        job = started["result"]["job"]
        # Once the raster of extreme magnitudes is being coded (where the engine used to freeze):
        engine.wait(
            lambda m: m.get("method") == "progress"
            and m["params"].get("message") == "d_magnitudes.tif",
            timeout=240,
        )
        time.sleep(0.3)
        waits = []
        for request_id in range(3, 8):
            seconds, reply = engine.call(request_id, "hello", timeout=30)
            assert "result" in reply
            waits.append(seconds)
            time.sleep(0.1)
        seconds, jobs = engine.call(8, "jobs", timeout=30)
        waits.append(seconds)
        assert [j["state"] for j in jobs["result"]["jobs"] if j["job"] == job] == ["running"]
        seconds, cancelled = engine.call(9, "cancel", {"job": job}, timeout=30)
        waits.append(seconds)
        assert "result" in cancelled
        assert max(waits) < ANSWER_S, waits
        _, finished = engine.wait(
            lambda m: m.get("method") == "job.finished" and m["params"]["job"] == job,
            timeout=240,
        )
        assert finished["params"]["state"] in ("cancelled", "done"), finished
        engine.proc.stdin.close()  # end of input ends the engine
        assert engine.proc.wait(timeout=120) == 0
    finally:
        engine.close()
