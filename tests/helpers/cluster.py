"""Several backend processes sharing Reflex's state in Redis: the scale-out layout in tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from clerk_fullstack.core.settings import APP_ENV_PREFIXES
from tests.helpers.backend import ROOT, backend_answered, backend_only_args, spawn_reflex


def clean_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any app or Reflex setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(APP_ENV_PREFIXES)}
    bin_dir = str(Path(sys.executable).parent)
    env.update(PATH=f"{bin_dir}:{env.get('PATH', '')}", REFLEX_USE_NPM="1")
    env.update(settings)
    return env


class BackendProcess:
    """`reflex run --backend-only` on one loopback port, in its own process group."""

    def __init__(
        self,
        port: int,
        env: Mapping[str, str],
        log: Path,
        *,
        mode: str = "prod",
        cwd: Path = ROOT,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.mode = mode
        self.cwd = cwd
        self.log = log
        self._env = clean_env(env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The group leader's PID (also the process group id)."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 180, *, until: str = "/api/health") -> None:
        """Start and wait until `until` answers 200: by default `/api/health` (the database is
        reachable); `/ping` when the database is meant to be down."""
        self.process = spawn_reflex(
            backend_only_args(self.mode, self.port),
            cwd=self.cwd,
            env=self._env,
            log=self.log,
            stdin=subprocess.DEVNULL,
        )
        if not backend_answered(self.process, f"{self.url}{until}", self.log, timeout, 2):
            self.stop()
            raise RuntimeError(f"backend did not answer: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group at once: a crashed host, no clean shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what lingers."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.process = None


def worker_pids(leader: int) -> list[int]:
    """The processes in `leader`'s process group (Reflex CLI, gunicorn and its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:
                pids.append(int(stat.parent.name))
    return pids


def gunicorn_processes(backend: BackendProcess) -> set[int]:
    """The gunicorn processes in `backend`'s process group: the master and its workers."""
    return {pid for pid in worker_pids(backend.pid) if "gunicorn" in command_line(pid)}


def gunicorn_master(backend: BackendProcess) -> int:
    """The gunicorn master of `backend`: the gunicorn process whose parent is not one."""
    gunicorn = gunicorn_processes(backend)
    masters = [pid for pid in gunicorn if parent_pid(pid) not in gunicorn]
    assert len(masters) == 1, {pid: command_line(pid) for pid in worker_pids(backend.pid)}
    return masters[0]


def uvicorn_workers(backend: BackendProcess) -> list[int]:
    """The gunicorn workers: gunicorn processes whose parent is the gunicorn master."""
    master = gunicorn_master(backend)
    return sorted(pid for pid in gunicorn_processes(backend) if parent_pid(pid) == master)


def two_workers(backend: BackendProcess, *, other_than: list[int]) -> list[int]:
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
