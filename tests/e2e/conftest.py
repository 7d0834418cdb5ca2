"""Fixtures the browser suites share: the app in local mode, and a fresh browser profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.helpers.browser import on_this_machine
from tests.helpers.local_app import TOKEN_SECONDS, RunningApp, local_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, compiled_frontend: Path) -> Iterator[RunningApp]:
    """The whole app (frontend and backend) with no Clerk keys and no MONGO_URI set."""
    workdir = tmp_path_factory.mktemp("emulator")
    with local_app(
        workdir,
        "localhost",
        compiled_frontend,
        set_frontend=True,
        settings={"LOCAL_CLERK_TOKEN_SECONDS": str(TOKEN_SECONDS)},
    ) as running:
        yield running


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: no session, no storage, and nothing but this machine."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 760})
    ctx.set_default_timeout(30_000)
    outside: list[str] = []
    ctx.on("request", lambda r: None if on_this_machine(r.url) else outside.append(r.url))
    yield ctx
    ctx.close()
    assert outside == [], f"requests left the machine: {outside}"
