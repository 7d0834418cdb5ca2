"""The multi-host layout on one host: Caddy serves the exported frontend and proxies the backend
routes to two backend processes on two ports, which share Reflex's state in Redis.

The app runs in Clerk mode, as it does in production, against the standalone Clerk emulator
(`python -m clerk_fullstack.local_clerk`) standing in for Clerk's servers; the emulator itself
refuses anything relayed by a proxy. The browser flow runs through the proxy with Clerk's own
UI: sign up, see the color stored by the webhook (which the emulator sends through Caddy),
reload. Caddy balances the socket round-robin over its own upstream list, so each page load's
socket lands on the other backend than the one before.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser
from pymongo import MongoClient

from tests.deploy.conftest import ARTIFACTS
from tests.helpers import http_client
from tests.helpers.app_process import REFLEX, AppProcess
from tests.helpers.browser import shown_color, sign_up
from tests.helpers.caddy import caddy
from tests.helpers.emulator_process import clerk_for
from tests.helpers.environment import app_environment
from tests.helpers.ports import free_port
from tests.helpers.project import copy_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class Site:
    """The proxied site and the database behind it."""

    url: str
    users: Any
    backends: list[AppProcess]


def export_frontend(project: Path, settings: dict[str, str], log: Path) -> Path:
    """`reflex export --frontend-only --no-zip` with the proxy's origin as the API URL."""
    with log.open("wb") as out:
        subprocess.run(
            [str(REFLEX), "export", "--env", "prod", "--frontend-only", "--no-zip"],
            cwd=project,
            env=app_environment(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )
    built = project / ".web" / "build" / "client"
    static = project.parent / "static"
    shutil.copytree(built, static)  # the backends' own compiles must not touch what Caddy serves
    return static


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    mongo_uri: str,
    redis_url: str,
    compiled_frontend: Path,
) -> Iterator[Site]:
    """The emulator as Clerk; export; two production backends on Redis; Caddy in front."""
    base = tmp_path_factory.mktemp("caddy-site")
    project = base / "app"
    copy_project(project, also_skip=("bench", "docs"), web=compiled_frontend)
    caddy_port = free_port()
    origin = f"http://localhost:{caddy_port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backends: list[AppProcess] = []
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri)
    with clerk_for(origin, base / "emulator", ARTIFACTS / "caddy-emulator.log") as emulator:
        settings = emulator.app_settings(
            FRONTEND=origin,
            REFLEX_API_URL=origin,
            MONGO_URI=mongo_uri,
            MONGO_DB="auth",
            REFLEX_REDIS_URL=redis_url,
        )
        static = export_frontend(project, settings, ARTIFACTS / "caddy-export.log")
        try:
            for name in ("a", "b"):
                backend = AppProcess(
                    free_port(), settings, ARTIFACTS / f"caddy-backend-{name}.log", cwd=project
                )
                backend.start("/api/health")
                backends.append(backend)
            upstreams = [f"127.0.0.1:{b.port}" for b in backends]
            with caddy(caddy_port, upstreams, static, ARTIFACTS / "caddy.log") as url:
                yield Site(url=url, users=client["auth"]["users"], backends=backends)
        finally:
            client.close()
            for backend in backends:
                backend.stop()


def test_the_proxy_serves_the_frontend_and_spreads_the_backend_routes(site: Site) -> None:
    assert http_client.get(f"{site.url}/", timeout=10).status_code == 200
    assert http_client.get(f"{site.url}/my-favorite-color", timeout=10).status_code == 200
    for _ in range(4):
        assert http_client.get(f"{site.url}/api/health", timeout=10).json()["database"] is True
        assert http_client.get(f"{site.url}/ping", timeout=10).status_code == 200


def test_sign_up_see_the_color_and_reload_through_the_proxy(site: Site, browser: Browser) -> None:
    context = browser.new_context()
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        email = f"proxy-{uuid.uuid4().hex[:8]}@example.org"
        sign_up(page, site.url, email)
        color = shown_color(page)
        deadline = time.monotonic() + 20
        while (doc := site.users.find_one({"email": email})) is None:
            assert time.monotonic() < deadline, "the user.created webhook never arrived"
            time.sleep(0.2)
        assert doc["favoriteColor"] == color
        # Each reload opens a new socket, which Caddy sends to the other backend.
        for _ in range(3):
            page.reload()
            assert shown_color(page) == color
        page.screenshot(path=str(ARTIFACTS / "caddy-favorite-color.png"), full_page=True)
    finally:
        context.close()
