"""End to end in Debian's Chromium: a signed-in user's account in the running app in local mode.

Renaming and deleting in Clerk's own account UI reach MongoDB through the emulator's webhooks;
session tokens expire and clerk-js refreshes them; a paused webhook endpoint does not stop a
new user's first load. The app is `tests/e2e/conftest.py`'s `app`, as in
`test_emulator_browser.py`.
"""

from __future__ import annotations

import time

import jwt
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.helpers import http_client
from tests.helpers.browser import (
    SIGNED_OUT_MESSAGE,
    delete_account,
    rename,
    shown_color,
    sign_up,
    start_sign_in,
)
from tests.helpers.local_app import (
    TOKEN_SECONDS,
    RunningApp,
    eventually,
    field_error,
    new_email,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


def test_renaming_in_manage_account_updates_mongodb(
    app: RunningApp, context: BrowserContext
) -> None:
    page = context.new_page()
    email = new_email("grace")
    sign_up(page, app.url, email)
    color = shown_color(page)
    eventually(lambda: app.user_by_email(email), "the user.created webhook")

    rename(page, "Grace", "Hopper")
    shot(page, "09-renamed")
    doc = eventually(
        lambda: (d := app.user_by_email(email)) and d["lastName"] == "Hopper" and d,
        "the user.updated webhook",
    )
    assert (doc["firstName"], doc["favoriteColor"]) == ("Grace", color)
    page.keyboard.press("Escape")
    page.reload()
    assert shown_color(page) == color


def test_deleting_the_account_reaches_mongodb_and_signs_out(
    app: RunningApp, context: BrowserContext
) -> None:
    page = context.new_page()
    email = new_email("gone")
    sign_up(page, app.url, email)
    shown_color(page)
    other_tab = context.new_page()
    other_tab.goto(f"{app.url}/my-favorite-color")
    shown_color(other_tab)
    user_id = eventually(lambda: app.user_by_email(email), "the user.created webhook")[
        "clerkUserId"
    ]

    delete_account(page)
    page.wait_for_url(f"{app.url}/")
    eventually(lambda: app.user_by_email(email) is None, "the user.deleted webhook")
    assert app.deleted_users.find_one({"_id": user_id}) is not None
    expect(other_tab.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible(timeout=10_000)
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()

    start_sign_in(page, app.url, email)
    expect(field_error(page, "identifier")).to_have_text("Couldn't find your account.")
    shot(page, "10-deleted-cannot-sign-in")


def test_tokens_refresh_and_the_page_keeps_loading(
    app: RunningApp, context: BrowserContext
) -> None:
    """Session tokens live `TOKEN_SECONDS`: clerk-js fetches new ones, and loads keep working past
    that."""
    page = context.new_page()
    token_calls: list[float] = []
    page.on(
        "response",
        lambda r: (
            token_calls.append(time.monotonic())
            if r.url.split("?")[0].endswith("/tokens") and r.status == 200
            else None
        ),
    )
    sign_up(page, app.url, new_email("refresh"))
    color = shown_color(page)
    signed_in_at = time.monotonic()
    first = jwt.decode(
        page.evaluate("window.Clerk.session.getToken()"), options={"verify_signature": False}
    )
    assert first["exp"] - first["iat"] == TOKEN_SECONDS
    # Wait out the first token's lifetime: this test is about what happens after it.
    page.wait_for_timeout((TOKEN_SECONDS + 2 - (time.monotonic() - signed_in_at)) * 1000)
    assert any(t > signed_in_at for t in token_calls), "clerk-js fetched no new token"
    token = page.evaluate("window.Clerk.session.getToken()")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] > first["exp"] and claims["exp"] > time.time()
    answer = http_client.get(
        f"http://127.0.0.1:{app.backend_port}/user/favoriteColor",
        headers={"authorization": f"Bearer {token}", "origin": app.url},
        timeout=10,
    )
    assert answer.json()["payload"] == color
    page.get_by_role("button", name="Refresh").click()
    assert shown_color(page) == color
    page.reload()
    assert shown_color(page) == color


def test_with_webhooks_paused_a_new_user_sees_the_color_on_the_first_load(
    app: RunningApp, context: BrowserContext
) -> None:
    secret_key = (app.project / ".data" / "local_clerk" / "secret_key").read_text().strip()
    outage = f"http://127.0.0.1:{app.backend_port}/local-clerk/v1/outage"
    headers = {"Authorization": f"Bearer {secret_key}"}

    def pause(paused: bool) -> None:
        response = http_client.post(outage, json={"webhooks_paused": paused}, headers=headers)
        assert response.json() == {"webhooks_paused": paused}, response.text

    pause(True)
    try:
        page = context.new_page()
        email = new_email("early")
        sign_up(page, app.url, email)
        # No `user.created` will come: the app fetched the user from the emulator's Backend API.
        color = shown_color(page, timeout=15_000)
        expect(page.locator("#color-not-synced")).to_have_count(0)
        doc = app.user_by_email(email)
        assert doc is not None and doc["favoriteColor"] == color
        shot(page, "early-user-color-on-first-load")
    finally:
        pause(False)
