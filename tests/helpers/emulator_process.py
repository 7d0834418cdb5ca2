"""`python -m clerk_fullstack.local_clerk` in its own process, as a developer starts it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.helpers.environment import app_environment
from tests.helpers.ports import free_port
from tests.helpers.processes import answers

START_SECONDS = 120.0
CLERK_SETTINGS = (
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SECRET",
    "CLERK_API_URL",
    "CLERK_PROXY_URL",
)
"""What an app in Clerk mode takes from the emulator's printed settings."""


@dataclass(frozen=True)
class EmulatorProcess:
    """The running emulator: its base URL and the settings it printed for an app."""

    base: str
    settings: dict[str, str]

    def app_settings(self, **settings: str) -> dict[str, str]:
        """An app in Clerk mode against this emulator: what it takes of the printed settings,
        plus `settings`."""
        taken = {name: self.settings[name] for name in CLERK_SETTINGS}
        return {**taken, "CLERK_MODE": "clerk", **settings}


def printed_settings(output: str) -> dict[str, str]:
    """The `  NAME=value` lines the command prints."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.isupper() and name.startswith("CLERK_"):
            found[name] = value
    return found


@contextlib.contextmanager
def emulator_process(
    port: int, data_dir: Path, log: Path, args: Sequence[str] = (), env: Mapping[str, str] = {}
) -> Iterator[EmulatorProcess]:
    """Start the emulator on `port`; yield once it answers; stop it (and its group) after."""
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "clerk_fullstack.local_clerk", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=app_environment(env),
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(f"{base}/v1/environment"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start; see {log}")
            time.sleep(0.2)
        yield EmulatorProcess(base, printed_settings(log.read_text()))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextlib.contextmanager
def clerk_for(origin: str, data_dir: Path, log: Path) -> Iterator[EmulatorProcess]:
    """The emulator standing in for Clerk's servers for the site at `origin`: tokens for its
    pages, webhooks to its `/webhooks` on loopback."""
    webhooks = f"http://127.0.0.1:{urlsplit(origin).port}/webhooks"
    args = ["--webhook-url", webhooks, "--frontend", origin]
    with emulator_process(free_port(), data_dir, log, args) as emulator:
        yield emulator
