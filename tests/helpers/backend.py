"""Run the real backend the way outside tooling does: `reflex run --env prod --backend-only`."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx

from tests.helpers.environment import app_environment
from tests.helpers.mongo import free_port, uri_for

ROOT = Path(__file__).resolve().parents[2]
REFLEX = Path(sys.executable).parent / "reflex"
"""The venv's `reflex` command."""


def spawn_reflex(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    append: bool = True,
    stdin: int | None = None,
    open_files: int | None = None,
) -> subprocess.Popen[bytes]:
    """`reflex run <args>` in its own process group, its output (both streams) into `log`.

    `open_files` lowers the soft open-file limit the command and its workers run with.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab" if append else "wb") as out:
        return subprocess.Popen(
            [str(REFLEX), "run", *args],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=stdin,
            start_new_session=True,
            preexec_fn=None if open_files is None else lambda: _limit_open_files(open_files),
        )


def _limit_open_files(soft: int) -> None:
    """In the child, before `exec`: the soft RLIMIT_NOFILE (the hard limit stays)."""
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    )


def backend_only_args(mode: str, port: int) -> list[str]:
    """`reflex run` arguments for the backend alone on a loopback port."""
    return [
        "--env",
        mode,
        "--backend-only",
        "--backend-host",
        "127.0.0.1",
        "--backend-port",
        str(port),
    ]


def backend_answered(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float, request_timeout: float
) -> bool:
    """Poll `url` until it answers 200 (True) or `timeout` passes (False); raise if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited: {log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=request_timeout).status_code == 200:
                return True
        time.sleep(0.3)
    return False


class Backend:
    """A backend-only Reflex process on loopback, started from environment variables alone."""

    def __init__(
        self,
        port: int,
        env: Mapping[str, str],
        log: Path,
        *,
        mode: str = "prod",
        open_files: int | None = None,
    ) -> None:
        self.port = port
        self.mode = mode
        self.open_files = open_files
        self.url = f"http://127.0.0.1:{port}"
        self._env = app_environment(env)
        self.log = log
        """Where the process's output (both streams) goes."""
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        """Start and wait until the backend answers `/ping`."""
        self.process = spawn_reflex(
            backend_only_args(self.mode, self.port),
            cwd=ROOT,
            env=self._env,
            log=self.log,
            open_files=self.open_files,
        )
        if not backend_answered(self.process, f"{self.url}/ping", self.log, timeout, 1):
            self.stop()
            raise RuntimeError(f"backend did not answer: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop the process group."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, 9)
            self.process.wait()
        self.process = None


@contextlib.contextmanager
def prod_backend(
    settings: Mapping[str, str], mongo_port: int, log_dir: Path, *, open_files: int | None = None
) -> Iterator[Backend]:
    """A prod backend on `settings` (less REFLEX_ENV_MODE) and the MongoDB on `mongo_port`."""
    env = {**settings, "MONGO_URI": uri_for(mongo_port), "MONGO_TIMEOUT_MS": "1000"}
    env.pop("REFLEX_ENV_MODE")
    process = Backend(free_port(), env, log_dir / "backend.log", open_files=open_files)
    process.start()
    try:
        yield process
    finally:
        process.stop()
