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


def test_malformed_input_lines_get_error_replies_and_the_engine_keeps_serving(engine_env):
    env = dict(engine_env, PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scicbir", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    lines = [
        b"\xff\xfe not utf-8 {",  # broken bytes
        b"[1, 2, 3]",  # JSON, not an object
        b'{"id": 5}',  # no method
        b'{"id": 6, "method": "hello", "params": "x"}',  # params not an object
        b'{"id": 7, "method": "hello", "params": {"colour": "red"}}',  # unknown param
        b'{"id": 8, "method": "cancel", "params": {"job": "no-such-job"}}',
        b'{"id": 9, "method": "search", "params": {"archive": 3}}',  # wrong type
        b"   ",  # blank lines are ignored
        b'{"id": 10, "method": "hello"}',
    ]
    try:
        out, _ = proc.communicate(b"\n".join(lines) + b"\n", timeout=120)
    finally:
        proc.kill()
    replies = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert len(replies) == 8
    # Queries (search) are answered from a thread pool: match replies by id, not by order.
    anonymous = [r["error"]["code"] for r in replies if r["id"] is None]
    assert anonymous == ["parse_error", "invalid_request"]
    by_id = {r["id"]: r for r in replies if r["id"] is not None}
    assert {i: r.get("error", {}).get("code") for i, r in by_id.items()} == {
        5: "invalid_request",
        6: "invalid_params",
        7: "invalid_params",
        8: "invalid_input",
        9: "invalid_params",
        10: None,
    }
    assert by_id[7]["error"]["data"] == {"param": "colour"}
    assert by_id[9]["error"]["data"] == {"param": "archive"}
    assert by_id[10]["result"]["pid"] == proc.pid
    assert proc.returncode == 0  # end of input: clean exit


def test_closing_stdin_ends_the_engine(engine_env):
    proc = start_engine(engine_env)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stdout.read() == ""  # nothing but protocol on stdout


NOISY_ENGINE = """
import os, sys
from scicbir.service import server
original = server.Service.handle_line
def noisy(self, line):
    os.write(1, b"noise written by C code to fd 1\\n")
    print("noise printed by a library")
    return original(self, line)
server.Service.handle_line = noisy
sys.exit(server.serve())
"""


def test_library_output_never_reaches_the_protocol_stream(engine_env):
    proc = subprocess.run(
        [sys.executable, "-c", NOISY_ENGINE],
        input='{"id": 1, "method": "hello"}\n',
        capture_output=True,
        text=True,
        env=engine_env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == [1]
    assert "noise written by C code" in proc.stderr and "noise printed" in proc.stderr


def test_huge_request_lines_are_refused_short_and_never_echoed(engine_env):
    """A 50 MB line is refused unread as invalid_input; a 5 MB parameter (under the line limit)
    fails with a short message. No reply or log notification repeats the huge value."""
    import threading

    proc = start_engine(engine_env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        huge = json.dumps({"id": 7, "method": "compress", "params": {"input": "x" * 50_000_000}})
        big = json.dumps({"id": 8, "method": "compress", "params": {"input": "y" * 5_000_000}})
        for line in (huge, big, json.dumps({"id": 9, "method": "hello"})):
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
        reader.join(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert all(len(line) < 20_000 for line in lines), [len(line) for line in lines]
    replies = {m["id"]: m for m in map(json.loads, lines) if "id" in m}
    assert replies[7]["error"]["code"] == "invalid_input"
    assert "longer than" in replies[7]["error"]["message"]
    assert "error" in replies[8]
    assert "result" in replies[9]
