"""The real engine process answers on stdin/stdout with JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys

import scicbir


def start_engine(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scicbir", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def exchange(proc: subprocess.Popen, line: str) -> dict:
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def test_hello_malformed_unknown_and_shutdown(engine_env):
    proc = start_engine(engine_env)
    try:
        hello = exchange(proc, json.dumps({"id": 1, "method": "hello", "params": {}}))
        assert hello["id"] == 1
        assert hello["result"]["engine"] == scicbir.__version__
        assert hello["result"]["protocol"] == scicbir.PROTOCOL_VERSION

        bad = exchange(proc, "{not json")
        assert bad["error"]["code"] == "parse_error"

        unknown = exchange(proc, json.dumps({"id": 2, "method": "no.such.method"}))
        assert unknown["id"] == 2 and unknown["error"]["code"] == "method_not_found"

        still_alive = exchange(proc, json.dumps({"id": 3, "method": "hello"}))
        assert still_alive["id"] == 3 and "result" in still_alive

        bye = exchange(proc, json.dumps({"id": 4, "method": "shutdown"}))
        assert bye == {"id": 4, "result": {"ok": True}}
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def test_closing_stdin_ends_the_engine(engine_env):
    proc = start_engine(engine_env)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stdout.read() == ""  # nothing but protocol on stdout
