"""The processes inside a started backend's group: the gunicorn master and its uvicorn workers."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from tests.helpers.app_process import AppProcess


def worker_pids(leader: int) -> list[int]:
    """The processes in `leader`'s process group (Reflex CLI, gunicorn and its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:
                pids.append(int(stat.parent.name))
    return pids


def gunicorn_processes(backend: AppProcess) -> set[int]:
    """The gunicorn processes in `backend`'s process group: the master and its workers."""
    return {pid for pid in worker_pids(backend.pid) if "gunicorn" in command_line(pid)}


def gunicorn_master(backend: AppProcess) -> int:
    """The gunicorn master of `backend`: the gunicorn process whose parent is not one."""
    gunicorn = gunicorn_processes(backend)
    masters = [pid for pid in gunicorn if parent_pid(pid) not in gunicorn]
    assert len(masters) == 1, {pid: command_line(pid) for pid in worker_pids(backend.pid)}
    return masters[0]


def uvicorn_workers(backend: AppProcess) -> list[int]:
    """The gunicorn workers: gunicorn processes whose parent is the gunicorn master."""
    master = gunicorn_master(backend)
    return sorted(pid for pid in gunicorn_processes(backend) if parent_pid(pid) == master)


def two_workers(backend: AppProcess, *, other_than: list[int]) -> list[int]:
    """Wait until gunicorn runs two workers, none of them in `other_than` (health answers as
    soon as the first worker does; a replacement takes a moment to fork)."""
    deadline = time.monotonic() + 60
    while len(now := uvicorn_workers(backend)) != 2 or set(now) & set(other_than):
        assert time.monotonic() < deadline, f"not two new workers: {now}"
        time.sleep(0.25)
    return now


def command_line(pid: int) -> str:
    """The process's command line, or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def parent_pid(pid: int) -> int:
    """The process's parent, or 0 once it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
