"""The plugin's client drives ``scicbir serve`` through a real ssh connection.

An ``sshd`` of the test's own runs on the loopback (a free high port, a throwaway host key and
client key made by ``ssh-keygen``, its own config: key login only, nothing else on the machine
is touched), and the engine setting is the ssh command line, as on an analyst's laptop talking
to a GPU box. The "remote" engine sees the data under another folder than the client (the
client's folder is a symlink to the engine's), so a compress job and a search prove that paths
are translated both ways; then the remote engine is killed, frozen (a connection that no longer
answers) and asked for a folder it does not have: each gives a clear error, and the next request
starts the command again.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from scicbir_qgis.engine_client import (
    EngineClient,
    EngineDiedError,
    PathMap,
    PathMapping,
    RemotePathError,
)

from .test_engine_paths import SCICBIR, catalog_sources, leaks, make_two_views
from .test_service_jobs import TOTAL_TILES

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
SSH_KEYGEN = shutil.which("ssh-keygen")
SSH = shutil.which("ssh")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"sshd does not listen on port {port}")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A loopback sshd of this test module; yields the ssh command line's first words."""
    if SSHD is None or SSH is None or SSH_KEYGEN is None:
        pytest.skip("sshd/ssh/ssh-keygen are not installed (bash scripts/setup.sh --dev)")
    if not os.path.isdir("/run/sshd"):  # sshd's privilege separation folder
        if os.geteuid() != 0:
            pytest.skip("/run/sshd is missing and only root may create it")
        os.makedirs("/run/sshd", mode=0o755)
    folder = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "client_key"):
        subprocess.run(
            [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True
        )
    authorized = folder / "authorized_keys"
    authorized.write_text((folder / "client_key.pub").read_text())
    authorized.chmod(0o600)
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {authorized}\nPubkeyAuthentication yes\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        f"PidFile {folder / 'sshd.pid'}\n"
    )
    log = (folder / "sshd.log").open("w")
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_port(port, proc)
        yield [
            SSH, "-p", str(port), "-i", str(folder / "client_key"),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            f"{getpass.getuser()}@127.0.0.1",
        ]  # fmt: skip
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def views(tmp_path_factory, data_dir):
    return make_two_views(tmp_path_factory.mktemp("remote"), data_dir)


def _setting(ssh: list[str]) -> str:
    """The engine setting as a user types it: the ssh command, then the engine's command."""
    return shlex.join([*ssh, SCICBIR, "serve"])


def _end(pid: int | None) -> None:
    """Kill an engine process this test started on the "remote" side, if it is still there."""
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_hello_through_ssh_names_the_remote_host(sshd):
    client = EngineClient.for_setting(_setting(sshd))
    try:
        hello = client.start()
        assert client.is_command and client.command[0] == SSH
        assert hello["protocol"] == 1 and hello["host"] == socket.gethostname()
        assert hello["pid"] != client.pid  # the engine's pid, not the local ssh's
        assert client.call("ping")["pong"] is True
    finally:
        client.stop()


def test_compress_and_search_over_ssh_translate_paths_both_ways(sshd, views, tmp_path):
    local, remote = views
    stderr: list[str] = []
    client = EngineClient.for_setting(
        _setting(sshd),
        path_map=PathMap([PathMapping(str(local), str(remote))]),
        on_stderr=stderr.append,
    )
    try:
        client.start()
        progress: list[dict] = []
        job = client.start_job(
            "compress",
            {
                "input": str(local / "src"),
                "archive": str(local / "arch"),
                "model": str(local / "models" / "tiny"),
            },
            on_progress=progress.append,
        )
        summary = client.wait_job(job, timeout=600)
        assert summary["tiles"] == TOTAL_TILES and summary["failed"] == 0
        assert summary["archive"] == str(local / "arch")
        assert all(s["path"].startswith(str(local / "src")) for s in summary["sources"])
        assert all(p.startswith(str(remote / "src")) for p in catalog_sources(remote / "arch"))
        assert progress and all(
            p["figures"]["source"].startswith(str(local)) for p in progress if p["figures"]
        )

        found = client.call(
            "search",
            {
                "archive": str(local / "arch"),
                "raster": str(local / "src" / "a_neon.tif"),
                "k": 3,
                "decode": str(local / "results" / "ssh-tiles"),
            },
            timeout=600,
        )
        assert len(found["results"]) == 3
        for hit in found["results"]:
            assert hit["source"].startswith(str(local / "src"))
            assert hit["path"].startswith(str(local / "results" / "ssh-tiles"))
            assert Path(hit["path"]).is_file()  # written remotely, read here
        assert leaks([summary, found, progress], str(remote)) == []

        # the engine's stderr arrives line by line through ssh, while it runs
        assert any("Permanently added" in line for line in stderr)  # ssh's own
        assert all("\n" not in line for line in stderr)
    finally:
        client.stop()


def test_a_folder_the_remote_side_cannot_see_is_named_with_the_mapping(sshd, views, tmp_path):
    local, remote = views
    here_only = tmp_path / "usb-disk"
    here_only.mkdir()
    (here_only / "query.tif").write_bytes((local / "src" / "a_neon.tif").read_bytes())
    client = EngineClient.for_setting(
        _setting(sshd),
        path_map=PathMap(
            [
                PathMapping(str(local), str(remote)),
                PathMapping(str(here_only), "/mnt/usb-disk-not-mounted"),
            ]
        ),
    )
    try:
        with pytest.raises(RemotePathError) as err:
            client.start_job(
                "compress",
                {"input": str(here_only / "query.tif"), "archive": str(local / "usb-arch")},
            )
        assert err.value.local == str(here_only / "query.tif")
        assert err.value.remote == "/mnt/usb-disk-not-mounted/query.tif"
        assert "path mapping" in err.value.message and err.value.remote in err.value.message
        assert client.alive  # a wrong path does not end the connection
    finally:
        client.stop()


def test_killed_remote_engine_is_reported_with_the_command_and_then_restarted(
    sshd, views, tmp_path
):
    local, remote = views
    died: list[dict] = []
    client = EngineClient.for_setting(
        _setting(sshd),
        path_map=PathMap([PathMapping(str(local), str(remote))]),
        on_notification=lambda m, p: died.append(p) if m == "engine.died" else None,
    )
    first = second = None
    try:
        first = client.start()["pid"]
        job = client.start_job(
            "compress",
            {
                "input": str(local / "src"),
                "archive": str(tmp_path / "killed-arch"),
                "model": str(local / "models" / "tiny"),
            },
        )
        os.kill(first, signal.SIGKILL)  # on the "remote" side
        with pytest.raises(EngineDiedError) as err:
            client.wait_job(job, timeout=120)
        message = str(err.value)
        assert f"the engine command '{_setting(sshd)}'" in message
        assert "ended unexpectedly" in message and "Its last stderr lines:" in message
        assert "Permanently added" in message  # the stderr lines quoted
        assert died and died[0]["message"].startswith("the engine command")

        second = client.call("hello", timeout=120)["pid"]  # the next request reconnects
        assert second != first and client.restarts == 1
    finally:
        client.stop()
        _end(first)
        _end(second)


def test_a_connection_that_stops_answering_is_ended_by_the_heartbeat(sshd):
    client = EngineClient.for_setting(_setting(sshd), heartbeat_s=0.5, heartbeat_timeout=3.0)
    frozen = fresh = None
    try:
        frozen = client.start()["pid"]
        os.kill(frozen, signal.SIGSTOP)  # alive but silent: like a dropped network
        started = time.monotonic()
        with pytest.raises(EngineDiedError) as err:
            client.call("jobs", timeout=60)
        assert time.monotonic() - started < 30
        assert "stopped answering" in str(err.value) and "heartbeat" in str(err.value)
        assert SSH in str(err.value)
        _end(frozen)
        fresh = client.call("hello", timeout=120)["pid"]
        assert fresh != frozen and client.alive
        time.sleep(2.0)  # idle well past heartbeat_s: pings keep a live engine connected
        assert client.alive and client.call("ping")["pong"] is True
    finally:
        client.stop()
        _end(frozen)
        _end(fresh)
