"""Browser steps on the app with Clerk's own UI (clerk-js and @clerk/ui against the emulator).

Shared by every Playwright suite: the selectors are Clerk's, so a change in Clerk's UI that
would break a real user breaks these steps too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk_fullstack.core.origins import is_loopback_host
from clerk_fullstack.local_clerk.instance import TEST_CODE
from tests.helpers.project import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which every browser test drives (the `browser` fixture)."""
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Headless, and nothing of its own on the network: no updates, no sync."""
SCREENSHOTS = ARTIFACTS / "screenshots"

COLOR_TEXT = re.compile(r"Your Favorite Color is:\s*(RED|GREEN|BLUE)")
PASSWORD = "correct horse battery staple"
SIGNED_OUT_MESSAGE = "You need to be signed in to view this page."


def on_this_machine(url: str) -> bool:
    """Whether a browser request stays on this machine: loopback, or no network at all."""
    parts = urlsplit(url)
    return parts.scheme not in ("http", "https", "ws", "wss") or is_loopback_host(parts.hostname)


def shown_color(page: Page, timeout: float = 30_000) -> str:
    """The color the favorite-color page shows, once it shows one."""
    text = page.locator("#color-text")
    expect(text).to_have_text(COLOR_TEXT, timeout=timeout)
    match = COLOR_TEXT.search(text.inner_text())
    assert match is not None
    return match.group(1)


def enter_code(page: Page, code: str = TEST_CODE) -> None:
    """Type the emailed code into Clerk's one-time-code field (it submits by itself)."""
    field = page.locator("input[autocomplete='one-time-code']")
    expect(field).to_be_visible()
    field.fill(code)


def enter_code_and_land(page: Page, site: str) -> None:
    """Enter the emailed code, then wait for the color page at `site`.

    If the page has not moved on after 10 s and the code field is still there, the code is
    entered again (up to three times): on a busy machine the code form can re-render while the
    code is typed, and nothing is submitted. A screenshot of each stall is kept for a reader.
    """
    field = page.locator("input[autocomplete='one-time-code']")
    for attempt in range(1, 4):
        enter_code(page)
        try:
            page.wait_for_url(f"{site}/my-favorite-color", timeout=10_000)
            return
        except PlaywrightTimeoutError:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"code-stalled-{attempt}.png"), full_page=True)
            if not field.is_visible():
                break
    page.wait_for_url(f"{site}/my-favorite-color")


def continue_button(page: Page) -> None:
    """Clerk's primary "Continue" button."""
    page.get_by_role("button", name="Continue", exact=True).click()


def settled_fill(field: Locator, value: str) -> None:
    """Fill a field of Clerk's form once the form has settled.

    Clerk's router normalises the URL right after a form mounts (`/sign-up#/?…` becomes
    `/sign-up?…`), which remounts the form and empties what was typed a moment before: fill,
    then make sure the value stayed.
    """
    for _ in range(5):
        field.fill(value)
        field.page.wait_for_timeout(300)
        if field.input_value() == value:
            return
    expect(field).to_have_value(value)


def fill_sign_up(page: Page, email: str, password: str = PASSWORD) -> None:
    """Clerk's SignUp form: email and password, then Continue (the code step follows).

    On a busy machine the form can remount while the password is typed, after the email passed
    its check: the email is checked again before Continue.
    """
    email_field = page.get_by_label("Email address")
    for _ in range(5):
        settled_fill(email_field, email)
        settled_fill(page.get_by_label("Password", exact=True), password)
        if email_field.input_value() == email:
            break
    expect(email_field).to_have_value(email)
    continue_button(page)


def sign_up(page: Page, site: str, email: str, password: str = PASSWORD) -> None:
    """From the favorite-color page at `site`: Sign in → Sign up → email, password, code → back."""
    page.goto(f"{site}/my-favorite-color")
    page.locator("#page-sign-in").click()
    page.get_by_role("link", name="Sign up").click()
    fill_sign_up(page, email, password)
    expect(page.get_by_text("Verify your email")).to_be_visible()
    enter_code_and_land(page, site)


def start_sign_in(page: Page, site: str, email: str) -> None:
    """Clerk's SignIn form at `/sign-in`, sent back to the color page: the email, Continue."""
    page.goto(f"{site}/sign-in?redirect_url=/my-favorite-color")
    settled_fill(page.get_by_label("Email address"), email)
    continue_button(page)


def sign_in_with_password(page: Page, site: str, email: str, password: str = PASSWORD) -> None:
    """Sign in with the email address and password; lands on the color page."""
    start_sign_in(page, site, email)
    page.get_by_label("Password", exact=True).fill(password)
    continue_button(page)
    page.wait_for_url(f"{site}/my-favorite-color")


def sign_in_with_code(page: Page, site: str, email: str) -> None:
    """Sign in with a code sent to the email address instead of the password."""
    start_sign_in(page, site, email)
    page.get_by_text("Use another method").click()
    page.get_by_role("button", name=re.compile(r"^Email code to")).click()
    enter_code_and_land(page, site)


def open_user_menu(page: Page) -> None:
    """Clerk's UserButton in the nav bar."""
    page.get_by_role("button", name="Open user menu").click()


def sign_out(page: Page, site: str) -> None:
    """Sign out from the UserButton; Clerk lands on the home page."""
    open_user_menu(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site}/")


def manage_account(page: Page) -> None:
    """Open Clerk's "Manage account" (UserProfile) from the UserButton."""
    open_user_menu(page)
    page.get_by_role("button", name="Manage account").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def rename(page: Page, first_name: str, last_name: str) -> None:
    """In "Manage account": Update profile → names → Save."""
    manage_account(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Update profile").click()
    dialog.get_by_label("First name").fill(first_name)
    dialog.get_by_label("Last name").fill(last_name)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text(f"{first_name} {last_name}")).to_be_visible()


def delete_account(page: Page) -> None:
    """In "Manage account": Security → Delete account → type the confirmation → Delete."""
    manage_account(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Security").click()
    dialog.get_by_role("button", name="Delete account").click()
    dialog.locator("input[name=deleteConfirmation]").fill("Delete account")
    dialog.get_by_role("button", name="Delete account").last.click()
