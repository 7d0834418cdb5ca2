"""Dev mode works on whatever loopback origin serves it: 127.0.0.1, a non-default port, no FRONTEND.

Reflex moves to another port when 3000 is busy; the page must still reach its socket and the
Clerk emulator, and its session tokens must still pass the backend's `azp` check.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.helpers.browser import shown_color, sign_up
from tests.helpers.local_app import BANNER, RunningApp, eventually, local_app, new_email, shot
from tests.helpers.processes import listening_addresses

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, compiled_frontend: Path) -> Iterator[RunningApp]:
    """`reflex run` on free ports with nothing configured, opened at http://127.0.0.1:<port>."""
    workdir = tmp_path_factory.mktemp("loopback")
    with local_app(workdir, "127.0.0.1", compiled_frontend, set_frontend=False) as app:
        yield app


def test_sign_up_on_127_0_0_1_and_a_free_port(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.locator("#local-clerk-banner")).to_have_text(BANNER)
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    expect(page.get_by_text("Clerk could not be loaded")).to_have_count(0)

    email = new_email("loopback")
    sign_up(page, app.url, email)
    color = shown_color(page)
    doc = eventually(lambda: app.user_by_email(email), "the user.created webhook")
    assert color == doc["favoriteColor"]
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    shot(page, "loopback-127-0-0-1")


def test_the_dev_frontend_server_listens_on_loopback_only(app: RunningApp) -> None:
    """Reflex starts it with `--host` (every interface); DEV_FRONTEND_HOST's default wins."""
    port = int(app.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
