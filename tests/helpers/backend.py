"""Run the real backend the way outside tooling does: `reflex run --env prod --backend-only`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.helpers.environment import app_environment

ROOT = Path(__file__).resolve().parents[2]


class Backend:
    """A backend-only Reflex process on loopback, started from environment variables alone."""

    def __init__(self, port: int, env: Mapping[str, str], log: Path, *, mode: str = "prod") -> None:
        self.port = port
        self.mode = mode
        self.url = f"http://127.0.0.1:{port}"
        self._env = app_environment(env)
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        """Start and wait until the backend answers `/ping`."""
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "reflex"),
                    "run",
                    "--env",
                    self.mode,
                    "--backend-only",
                    "--backend-host",
                    "127.0.0.1",
                    "--backend-port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"backend exited: {self._log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"backend did not answer: {self._log.read_text()[-3000:]}")

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
