"""End to end in Debian's Chromium: the running app with the local Clerk stand-in, no Clerk keys.

`reflex run` serves a copy of the project (so it has its own `.web/`) on free ports, with the
embedded MongoDB and no Clerk settings at all. Every step is checked in the page and in the
database the app really uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pymongo import MongoClient

from tests.e2e.ui_app import (
    ARTIFACTS,
    SCREENSHOTS,
    ReflexApp,
)
from tests.helpers.browser import shown_color, sign_up
from tests.helpers.environment import app_environment
from tests.helpers.mongo import free_port
from tests.helpers.project import copy_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

SIGNED_OUT_MESSAGE = "You need to be signed in to view this page."
BANNER = "Local sign-in: no Clerk account configured"

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
def standin_app(workdir: Path, host: str, *, set_frontend: bool) -> Iterator[RunningApp]:
    """`reflex run` on free ports with no Clerk keys nor MONGO_URI, opened at `host`.

    `set_frontend` names the page's origin in FRONTEND; dev mode needs it for no loopback host.
    """
    project = copy_project(workdir / "app")
    frontend_port, backend_port = free_port(), free_port()
    url = f"http://{host}:{frontend_port}"
    reflex = ReflexApp(
        project,
        ["--frontend-port", str(frontend_port), "--backend-port", str(backend_port)],
        app_environment({"FRONTEND": url} if set_frontend else {}),
        ARTIFACTS / f"standin-reflex-{host}.log",
    )
    try:
        reflex.start(f"{url}/", f"http://127.0.0.1:{backend_port}/api/health")
        running = RunningApp(url=url, project=project)
        running.connect_db()
        yield running
    finally:
        reflex.stop()
        stop_embedded_database(project)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The whole app (frontend and backend) with no Clerk keys and no MONGO_URI set."""
    workdir = tmp_path_factory.mktemp("standin")
    with standin_app(workdir, "localhost", set_frontend=True) as running:
        yield running


def stop_embedded_database(project: Path) -> None:
    """Stop the embedded SecantusDB the app started: its own session, its cwd is our copy."""
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            cwd = (proc / "cwd").resolve()
        except OSError:
            continue
        if b"clerk_fullstack.embedded_mongo" in cmdline and cwd == project.resolve():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGTERM)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: no session, no storage."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 760})
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"standin-{name}.png"), full_page=True)


def new_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.org"


def sign_in(page: Page, app: RunningApp, email: str) -> None:
    page.goto(f"{app.url}/sign-in?redirect_url=/my-favorite-color")
    form = page.locator("#local-clerk-sign-in")
    form.locator("input[name=email_address]").fill(email)
    form.get_by_role("button", name="Continue").click()


def open_user_menu(page: Page) -> None:
    page.get_by_role("button", name="Open user menu").click()


def test_sign_up_reload_and_sign_out(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.locator("#local-clerk-banner")).to_have_text(BANNER)
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    shot(page, "01-signed-out")

    email = new_email("ada")
    sign_up(page, app.url, email, "Ada", "Lovelace")
    color = shown_color(page)
    doc = eventually(lambda: app.user_by_email(email), "the user.created webhook")
    assert (doc["firstName"], doc["lastName"], doc["clerkUserId"][:5]) == (
        "Ada",
        "Lovelace",
        "user_",
    )
    assert color == doc["favoriteColor"]
    expect(page.locator("#color-swatch")).to_be_visible()
    shot(page, "02-favorite-color")

    page.reload()
    assert shown_color(page) == color
    shot(page, "03-after-reload")

    open_user_menu(page)
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url(f"{app.url}/")
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    expect(page.locator("#color-text")).to_have_count(0)
    shot(page, "04-signed-out-again")


def test_a_second_user_sees_their_own_color(app: RunningApp, browser: Browser) -> None:
    first_email, second_email = new_email("first"), new_email("second")
    first_ctx, second_ctx = browser.new_context(), browser.new_context()
    try:
        first, second = first_ctx.new_page(), second_ctx.new_page()
        sign_up(first, app.url, first_email, "First", "User")
        sign_up(second, app.url, second_email, "Second", "User")
        first_doc = eventually(lambda: app.user_by_email(first_email), "the first user")
        second_doc = eventually(lambda: app.user_by_email(second_email), "the second user")
        assert first_doc["clerkUserId"] != second_doc["clerkUserId"]
        assert shown_color(first) == first_doc["favoriteColor"]
        assert shown_color(second) == second_doc["favoriteColor"]
        shot(second, "05-second-user")

        # The first user signs out and back in through the sign-in form: still their own color.
        open_user_menu(first)
        first.get_by_role("menuitem", name="Sign out").click()
        first.wait_for_url(f"{app.url}/")
        sign_in(first, app, first_email)
        first.wait_for_url(f"{app.url}/my-favorite-color")
        assert shown_color(first) == first_doc["favoriteColor"]
    finally:
        first_ctx.close()
        second_ctx.close()


def test_editing_the_name_updates_mongodb(app: RunningApp, context: BrowserContext) -> None:
    page = context.new_page()
    email = new_email("grace")
    sign_up(page, app.url, email, "Grace", "Murray")
    color = shown_color(page)
    eventually(lambda: app.user_by_email(email), "the user.created webhook")

    open_user_menu(page)
    page.get_by_role("menuitem", name="Edit name").click()
    form = page.locator("form[aria-label='Edit name']")
    form.locator("input[name=last_name]").fill("Hopper")
    shot(page, "06-edit-name")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)

    doc = eventually(
        lambda: (d := app.user_by_email(email)) and d["lastName"] == "Hopper" and d,
        "the user.updated webhook",
    )
    assert (doc["firstName"], doc["favoriteColor"]) == ("Grace", color)
    open_user_menu(page)
    expect(page.get_by_test_id("local-clerk-full-name")).to_have_text("Grace Hopper")
    page.reload()
    assert shown_color(page) == color


def test_after_the_account_is_deleted_the_page_says_so(
    app: RunningApp, context: BrowserContext
) -> None:
    page = context.new_page()
    email = new_email("gone")
    sign_up(page, app.url, email, "Gone", "Soon")
    shown_color(page)
    # A second tab of the same browser, open on the page while the account is deleted.
    other_tab = context.new_page()
    other_tab.goto(f"{app.url}/my-favorite-color")
    shown_color(other_tab)
    user_id = eventually(lambda: app.user_by_email(email), "the user.created webhook")[
        "clerkUserId"
    ]

    open_user_menu(page)
    page.get_by_role("menuitem", name="Delete account").click()
    confirm = page.locator("form[aria-label='Delete account']")
    expect(confirm).to_contain_text("This cannot be undone.")
    shot(page, "07-delete-account")
    confirm.get_by_role("button", name="Delete account").click()
    page.wait_for_url(f"{app.url}/")

    eventually(lambda: app.user_by_email(email) is None, "the user.deleted webhook")
    assert app.deleted_users.find_one({"_id": user_id}) is not None
    expect(other_tab.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    expect(other_tab.locator("#color-text")).to_have_count(0)
    page.goto(f"{app.url}/my-favorite-color")
    expect(page.get_by_text(SIGNED_OUT_MESSAGE)).to_be_visible()
    shot(page, "08-deleted-signed-out")

    sign_in(page, app, email)
    expect(page.get_by_role("alert")).to_have_text("Couldn't find your account.")
    shot(page, "09-deleted-cannot-sign-in")
