"""End to end in Debian's Chromium: sign-up, sign-in and sign-out in the running app in local
mode, with Clerk's real browser SDK.

`reflex run` serves a copy of the project (the `app` fixture, `tests/e2e/conftest.py`) with the
embedded MongoDB and no Clerk settings at all. The page runs the real `@clerk/react`, which
loads clerk-js and Clerk's UI from the emulator in the backend. Every step is checked in the
page and in the database the app really uses. The account's own flows (renaming, deleting,
token refresh) are in `test_emulator_account.py`, so that two workers can run them at once.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.helpers import http_client
from tests.helpers.browser import (
    PASSWORD,
    SIGNED_OUT_MESSAGE,
    continue_button,
    enter_code,
    fill_sign_up,
    shown_color,
    sign_in_with_code,
    sign_in_with_password,
    sign_out,
    sign_up,
    start_sign_in,
)
from tests.helpers.local_app import (
    BANNER,
    RunningApp,
    eventually,
    field_error,
    new_email,
    record_timing,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


def test_sign_up_reload_and_sign_out(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.locator("#local-clerk-banner")).to_have_text(BANNER)
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    shot(page, "01-signed-out")

    email = new_email("ada")
    sign_up(page, app.url, email)
    color = shown_color(page)
    doc = eventually(lambda: app.user_by_email(email), "the user.created webhook")
    assert doc["clerkUserId"].startswith("user_")
    assert color == doc["favoriteColor"]
    expect(page.locator("#color-swatch")).to_be_visible()
    expect(page.get_by_role("button", name="Open user menu")).to_be_visible()
    shot(page, "02-favorite-color")

    page.reload()
    assert shown_color(page) == color
    shot(page, "03-after-reload")

    sign_out(page, app.url)
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    expect(page.locator("#color-text")).to_have_count(0)
    shot(page, "04-signed-out-again")
    assert missing == [], "the pages asked for something the app does not serve"


def test_the_favicon_is_served(app: RunningApp) -> None:
    """`assets/` is Reflex's folder for static files; a browser asks for /favicon.ico."""
    response = http_client.get(f"{app.url}/favicon.ico", timeout=10)
    assert response.status_code == 200
    assert response.content == (Path(__file__).parents[2] / "assets" / "favicon.ico").read_bytes()


def test_clerk_sign_in_is_interactive_quickly_on_a_warm_server(
    app: RunningApp, context: BrowserContext
) -> None:
    warm = context.new_page()
    warm.goto(f"{app.url}/sign-in")
    expect(warm.get_by_label("Email address")).to_be_editable()
    warm.close()

    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{app.url}/sign-in")
    expect(page.get_by_label("Email address")).to_be_editable()
    record_timing(
        "navigation to Clerk's SignIn interactive (warm dev server)", time.monotonic() - started
    )


def test_sign_in_with_a_password_and_with_an_email_code(
    app: RunningApp, context: BrowserContext
) -> None:
    page = context.new_page()
    email = new_email("returning")
    sign_up(page, app.url, email)
    color = shown_color(page)
    sign_out(page, app.url)

    sign_in_with_password(page, app.url, email)
    assert shown_color(page) == color
    sign_out(page, app.url)

    sign_in_with_code(page, app.url, email)
    assert shown_color(page) == color
    shot(page, "05-signed-in-with-a-code")


def test_signing_out_signs_out_every_tab(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    sign_up(page, app.url, new_email("tabs"))
    color = shown_color(page)
    other_tab = context.new_page()
    other_tab.goto(f"{app.url}/my-favorite-color")
    assert shown_color(other_tab) == color

    sign_out(page, app.url)
    expect(other_tab.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible(timeout=10_000)
    expect(other_tab.locator("#color-text")).to_have_count(0)


def test_a_second_user_sees_their_own_color(app: RunningApp, browser: Browser) -> None:
    first_email, second_email = new_email("first"), new_email("second")
    first_ctx, second_ctx = browser.new_context(), browser.new_context()
    try:
        first, second = first_ctx.new_page(), second_ctx.new_page()
        sign_up(first, app.url, first_email)
        sign_up(second, app.url, second_email)
        first_doc = eventually(lambda: app.user_by_email(first_email), "the first user")
        second_doc = eventually(lambda: app.user_by_email(second_email), "the second user")
        assert first_doc["clerkUserId"] != second_doc["clerkUserId"]
        assert shown_color(first) == first_doc["favoriteColor"]
        assert shown_color(second) == second_doc["favoriteColor"]
    finally:
        first_ctx.close()
        second_ctx.close()


def test_each_error_is_shown_on_its_field(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    email = new_email("errors")

    page.goto(f"{app.url}/sign-up")
    fill_sign_up(page, email)
    enter_code(page, "111111")
    expect(page.locator(".cl-otpCodeFieldErrorText")).to_have_text("Incorrect code. Use 424242.")
    shot(page, "06-wrong-code")
    enter_code(page)
    page.wait_for_url(f"{app.url}/")
    sign_out(page, app.url)

    page.goto(f"{app.url}/sign-up")
    fill_sign_up(page, email)
    expect(field_error(page, "emailAddress")).to_have_text(
        "That email address is taken. Please try another."
    )
    shot(page, "07-email-taken")

    start_sign_in(page, app.url, new_email("nobody"))
    expect(field_error(page, "identifier")).to_have_text("Couldn't find your account.")

    start_sign_in(page, app.url, email)
    page.get_by_label("Password", exact=True).fill(f"not-{PASSWORD}")
    continue_button(page)
    expect(field_error(page, "password")).to_have_text(
        "Password is incorrect. Try again, or use another method."
    )
    shot(page, "08-wrong-password")
