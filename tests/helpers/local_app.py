"""The whole app in local mode under `reflex run`, for the browser suites in `tests/e2e/`.

`local_app` serves a copy of the project (its `.web/` seeded from the run's compiled frontend)
on free ports, with the embedded MongoDB and no Clerk settings at all; `RunningApp` reads the
database the app really uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Locator, Page
from pymongo import MongoClient

from clerk_fullstack.components.local_banner import LOCAL_BANNER_TEXT, LOCAL_BANNER_TITLE
from tests.helpers.app_process import AppProcess
from tests.helpers.browser import SCREENSHOTS
from tests.helpers.ports import free_port
from tests.helpers.project import ARTIFACTS, TIMINGS, copy_project

BANNER = f"{LOCAL_BANNER_TITLE} {LOCAL_BANNER_TEXT}"
"""The local-mode banner's whole text."""
TOKEN_SECONDS = 30
"""The session token lifetime the emulator suites give the app's emulator (Clerk's is 60 s):
the refresh test waits it out."""

T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    """Poll `check` until it returns something other than None (or False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result is not None and result is not False:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class RunningApp:
    """`reflex run` in a copy of the project, and a client of its embedded MongoDB."""

    url: str
    project: Path
    backend_port: int = 0
    users: Any = None
    deleted_users: Any = None

    def connect_db(self) -> None:
        """Connect to the embedded SecantusDB the app started (its port is in the data dir)."""
        port_file = self.project / ".data" / "mongo" / "port"
        port = eventually(lambda: port_file.exists() and port_file.read_text().strip(), "db")
        client: MongoClient[dict[str, Any]] = MongoClient(
            f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=5000
        )
        self.users = client["auth"]["users"]
        self.deleted_users = client["auth"]["deleted_users"]

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        """The stored user document for an email address."""
        doc: dict[str, Any] | None = self.users.find_one({"email": email})
        return doc


@contextlib.contextmanager
def local_app(
    workdir: Path,
    host: str,
    web: Path,
    *,
    set_frontend: bool,
    settings: Mapping[str, str] | None = None,
) -> Iterator[RunningApp]:
    """`reflex run` on free ports with no Clerk keys nor MONGO_URI, opened at `host`, in a copy
    that starts from the compiled frontend `web`.

    `set_frontend` names the page's origin in FRONTEND; dev mode needs it for no loopback host.
    `settings` are more of the app's environment variables.
    """
    project = copy_project(workdir / "app", web=web)
    frontend_port, backend_port = free_port(), free_port()
    url = f"http://{host}:{frontend_port}"
    reflex = AppProcess(
        backend_port,
        {**(settings or {}), **({"FRONTEND": url} if set_frontend else {})},
        ARTIFACTS / f"emulator-reflex-{host}.log",
        mode="dev",
        frontend_port=frontend_port,
        cwd=project,
    )
    try:
        reflex.start(f"{url}/", "/api/health")
        running = RunningApp(url=url, project=project, backend_port=backend_port)
        running.connect_db()
        yield running
    finally:
        reflex.stop()
        stop_embedded_database(project)


def stop_embedded_database(project: Path) -> None:
    """Stop the embedded SecantusDB the app started: its own session, its cwd is our copy."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            cwd = (proc / "cwd").resolve()
        except OSError:
            continue
        if b"clerk_fullstack.core.embedded_mongo" in cmdline and cwd == project.resolve():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGTERM)


def field_error(page: Page, field: str) -> Locator:
    """The error Clerk's UI shows under one field of its form (`identifier`, `password`, …)."""
    return page.locator(f"#error-{field}")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"emulator-{name}.png"), full_page=True)


def new_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.org"


def record_timing(name: str, seconds: float) -> None:
    """Keep a measured figure with the test artifacts (printed in the run's summary)."""
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    with TIMINGS.open("a") as handle:
        handle.write(f"{name}: {seconds:.2f} s\n")
