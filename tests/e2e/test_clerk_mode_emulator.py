"""Clerk mode, end to end, against the emulator as if it were Clerk: the production code path.

The emulator runs as its own process (`python -m clerk_fullstack.local_clerk`), as Clerk's
servers would. The app runs the production build (`reflex run --env prod --single-port`) in
Clerk mode, configured only through Clerk's variables: the printed publishable, secret and
webhook keys, `CLERK_API_URL` and `CLERK_PROXY_URL`. Nothing in the app knows it is talking to
an emulator, and no request may leave the machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from pymongo import MongoClient

from clerk_fullstack.core.settings import decode_publishable_key
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.browser import (
    SCREENSHOTS,
    SIGNED_OUT_MESSAGE,
    on_this_machine,
    shown_color,
    sign_out,
    sign_up,
)
from tests.helpers.emulator_process import EmulatorProcess, clerk_for
from tests.helpers.local_app import eventually, new_email
from tests.helpers.ports import free_port
from tests.helpers.project import ARTIFACTS, copy_project
from tests.helpers.tokens import mint_token, new_signing_key

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


@dataclass
class ClerkModeApp:
    """The app in Clerk mode, the emulator it trusts, and the app's `users` collection."""

    url: str
    emulator: EmulatorProcess
    users: Any


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, mongo_uri: str, compiled_frontend: Path
) -> Iterator[ClerkModeApp]:
    """The emulator on its own port; the production build of the app on another."""
    base = tmp_path_factory.mktemp("clerk-mode")
    project = copy_project(base / "app", also_skip=("bench", "docs"), web=compiled_frontend)
    port = free_port()
    url = f"http://localhost:{port}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri)
    with clerk_for(url, base / "emulator", ARTIFACTS / "clerk-mode-emulator.log") as emulator:
        settings = emulator.app_settings(MONGO_URI=mongo_uri, FRONTEND=url)
        app = AppProcess(
            port, settings, ARTIFACTS / "clerk-mode-reflex.log", frontend_port=port, cwd=project
        )
        app.start(f"{url}/", "/ping")
        try:
            yield ClerkModeApp(url=url, emulator=emulator, users=client["auth"]["users"])
        finally:
            app.stop()
            client.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile that cannot reach anything but this machine."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 760})
    ctx.set_default_timeout(30_000)
    ctx.route(
        "**/*",
        lambda route: (
            route.continue_()
            if on_this_machine(route.request.url)
            else route.abort("internetdisconnected")
        ),
    )
    yield ctx
    ctx.close()


def test_the_printed_settings_are_all_the_app_needs(site: ClerkModeApp) -> None:
    printed = site.emulator.settings
    assert decode_publishable_key(printed["CLERK_PUBLISHABLE_KEY"]).endswith(".clerk.accounts.dev")
    assert printed["CLERK_API_URL"] == printed["CLERK_PROXY_URL"] == site.emulator.base
    assert printed["CLERK_SECRET_KEY"].startswith("sk_test_")


def test_sign_up_through_the_real_clerk_js_and_see_the_color(
    site: ClerkModeApp, context: BrowserContext
) -> None:
    page = context.new_page()
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if "/npm/@clerk/" in r.url else None)
    email = new_email("clerk-mode")
    sign_up(page, site.url, email)
    color = shown_color(page)
    doc = eventually(lambda: site.users.find_one({"email": email}), "the user.created webhook")
    assert doc["favoriteColor"] == color
    # Clerk's own scripts, from the emulator standing in for Clerk's CDN.
    assert any(u.startswith(f"{site.emulator.base}/npm/@clerk/clerk-js@") for u in scripts)
    assert any(u.startswith(f"{site.emulator.base}/npm/@clerk/ui@") for u in scripts)
    page.screenshot(path=str(SCREENSHOTS / "clerk-mode-favorite-color.png"), full_page=True)

    page.reload()
    assert shown_color(page) == color
    sign_out(page, site.url)
    page.goto(f"{site.url}/my-favorite-color")
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()


def test_the_rest_route_takes_the_emulators_tokens_and_refuses_a_forged_one(
    site: ClerkModeApp, context: BrowserContext
) -> None:
    page = context.new_page()
    email = f"rest-{uuid.uuid4().hex[:8]}@example.org"
    sign_up(page, site.url, email)
    color = shown_color(page)
    token = page.evaluate("window.Clerk.session.getToken()")
    assert isinstance(token, str)

    route = f"{site.url}/user/favoriteColor"
    headers = {"authorization": f"Bearer {token}", "origin": site.url}
    assert http_client.get(route, headers=headers, timeout=10).json()["payload"] == color

    # The same claims and kid, signed with another key: a forgery the signature check catches.
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = mint_token(
        new_signing_key(jwt.get_unverified_header(token)["kid"]),
        sub=claims["sub"],
        issuer=claims["iss"],
        azp=claims["azp"],
        sid=claims["sid"],
    )
    refused = http_client.get(
        route, headers={**headers, "authorization": f"Bearer {forged}"}, timeout=10
    )
    assert refused.status_code == 401
    assert refused.json()["reason"] == "token-invalid-signature"
