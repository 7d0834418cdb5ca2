"""Browser steps on the app with the local Clerk stand-in, shared by the Playwright tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

COLOR_TEXT = re.compile(r"Your Favorite Color is:\s*(RED|GREEN|BLUE)")


def shown_color(page: Page) -> str:
    """The color the favorite-color page shows, once it shows one."""
    text = page.locator("#color-text")
    expect(text).to_have_text(COLOR_TEXT, timeout=30_000)
    match = COLOR_TEXT.search(text.inner_text())
    assert match is not None
    return match.group(1)


def sign_up(page: Page, site: str, email: str, first: str, last: str) -> None:
    """From the favorite-color page at `site`: Sign in → Sign up → the form → back on the page."""
    page.goto(f"{site}/my-favorite-color")
    page.locator("#page-sign-in").click()
    expect(page.locator("#local-clerk-sign-in")).to_be_visible()
    page.get_by_role("link", name="Sign up").click()
    form = page.locator("#local-clerk-sign-up")
    expect(form).to_be_visible()
    form.locator("input[name=email_address]").fill(email)
    form.locator("input[name=first_name]").fill(first)
    form.locator("input[name=last_name]").fill(last)
    form.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site}/my-favorite-color")
