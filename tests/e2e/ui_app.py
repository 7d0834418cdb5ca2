"""Run the whole app with `reflex run` in a copy of the project, for the browser tests.

The copy has its own `.web/`, so a test run never disturbs a developer's `reflex run`.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.helpers.backend import ROOT, spawn_reflex
from tests.helpers.processes import answers, came_up

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_SECONDS = 600.0


class ReflexApp:
    """`reflex run <args>` in a project directory, stopped with its whole process group."""

    def __init__(self, project: Path, args: Sequence[str], env: Mapping[str, str], log: Path):
        self.project = project
        self.args = list(args)
        self.env = dict(env)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *ready_urls: str) -> None:
        """Start, and wait until every URL in `ready_urls` answers."""
        self.process = spawn_reflex(
            self.args,
            cwd=self.project,
            env=self.env,
            log=self.log,
            append=False,
            stdin=subprocess.DEVNULL,
        )
        if not came_up(
            self.process,
            lambda: all(answers(url) for url in ready_urls),
            START_TIMEOUT_SECONDS,
            1,
        ):
            self.stop()
            raise RuntimeError(f"reflex run did not come up; see {self.log}")

    def stop(self) -> None:
        """Stop the process group (Reflex, Node and the backend workers)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
