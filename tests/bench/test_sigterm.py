"""A benchmark ended by SIGTERM stops the servers it started, which run in sessions of their own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.environment import app_environment
from tests.helpers.processes import listening_addresses
from tests.helpers.project import ROOT
from tests.helpers.workers import command_line, parent_pid

pytestmark = [pytest.mark.bench, pytest.mark.slow, pytest.mark.timeout(300)]


def children(parent: int, marker: str) -> dict[int, str]:
    """The processes whose parent is `parent` and whose command line has `marker`."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return {
        pid: line
        for pid in pids
        if parent_pid(pid) == parent and marker in (line := command_line(pid))
    }


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def listening(port: int) -> bool:
    return "127.0.0.1" in listening_addresses(port)


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
            while not listening(port) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert listening(port)

        bench.send_signal(signal.SIGTERM)

        assert bench.wait(60) == 128 + signal.SIGTERM
        assert not alive(pid), f"the benchmark's database (pid {pid}) outlived it"
    finally:
        bench.kill()
        bench.wait()
        for pid in database:  # a leaked database (its own session) is not left to the next test
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
