"""Run the whole app with `reflex run` in a copy of the project, for the browser tests.

The copy has its own `.web/`, so a test run never disturbs a developer's `reflex run`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
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
# Generated, cached or machine-local: never copied into the app under test.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".web",
    ".data",
    ".states",
    ".env",
    "test-artifacts",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "external",
)


def copy_project(destination: Path) -> Path:
    """Copy the sources (not `.web`, `.venv` or data) to `destination`."""
    shutil.copytree(ROOT, destination, ignore=NOT_COPIED, symlinks=True)
    return destination


def answers(url: str) -> bool:
    """Whether `url` answers 200 right now."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


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
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "reflex"), "run", *self.args],
                cwd=self.project,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not all(answers(url) for url in ready_urls):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"reflex run did not come up; see {self.log}")
            time.sleep(1)

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
