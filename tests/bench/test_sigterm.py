"""A benchmark ended by SIGTERM stops the servers it started, which run in sessions of their own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.environment import app_environment
from tests.helpers.project import ROOT

pytestmark = [pytest.mark.bench, pytest.mark.slow, pytest.mark.timeout(300)]


def children(parent: int, marker: str) -> dict[int, str]:
    """The processes whose parent is `parent` and whose command line has `marker`."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and marker in cmdline:
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("when", ["starting", "serving"])
def test_sigterm_stops_the_database_the_benchmark_started(tmp_path: Path, when: str) -> None:
    # Far more events than it can store before the signal: the database is in use when it comes.
    command = [sys.executable, "bench/db_ceiling.py", "--events", "1000000", "--batches", "8"]
    with (tmp_path / "bench.log").open("wb") as log:
        bench = subprocess.Popen(
            command, cwd=ROOT, env=app_environment({}), stdout=log, stderr=subprocess.STDOUT
        )
    database: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while not database and time.monotonic() < deadline and bench.poll() is None:
            database = children(bench.pid, "start_secantus.py")
            time.sleep(0.02)
        assert database, (tmp_path / "bench.log").read_text()
        ((pid, cmdline),) = database.items()
        if when == "serving":
            port = int(cmdline.split("--port ")[1].split()[0])
            while not answers(port) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert answers(port)

        bench.send_signal(signal.SIGTERM)

        assert bench.wait(60) == 128 + signal.SIGTERM
        assert not alive(pid), f"the benchmark's database (pid {pid}) outlived it"
    finally:
        bench.kill()
        bench.wait()
        for pid in database:  # a leaked database (its own session) is not left to the next test
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
