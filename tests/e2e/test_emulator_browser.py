"""End to end in Debian's Chromium: the running app in local mode, with Clerk's real browser SDK.

`reflex run` serves a copy of the project (so it has its own `.web/`) on free ports, with the
embedded MongoDB and no Clerk settings at all. The page runs the real `@clerk/react`, which
loads clerk-js and Clerk's UI from the emulator in the backend. Every step is checked in the
page and in the database the app really uses.
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

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from pymongo import MongoClient

from clerk_fullstack.components.local_banner import LOCAL_BANNER_TEXT, LOCAL_BANNER_TITLE
from clerk_fullstack.local_clerk.session_tokens import TOKEN_LIFETIME_SECONDS
from tests.conftest import TIMINGS
from tests.helpers.app_process import AppProcess
from tests.helpers.browser import (
    PASSWORD,
    SCREENSHOTS,
    SIGNED_OUT_MESSAGE,
    continue_button,
    delete_account,
    enter_code,
    fill_sign_up,
    on_this_machine,
    rename,
    shown_color,
    sign_in_with_code,
    sign_in_with_password,
    sign_out,
    sign_up,
    start_sign_in,
)
from tests.helpers.ports import free_port
from tests.helpers.project import ARTIFACTS, copy_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

BANNER = f"{LOCAL_BANNER_TITLE} {LOCAL_BANNER_TEXT}"

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
def local_app(workdir: Path, host: str, web: Path, *, set_frontend: bool) -> Iterator[RunningApp]:
    """`reflex run` on free ports with no Clerk keys nor MONGO_URI, opened at `host`, in a copy
    that starts from the compiled frontend `web`.

    `set_frontend` names the page's origin in FRONTEND; dev mode needs it for no loopback host.
    """
    project = copy_project(workdir / "app", web=web)
    frontend_port, backend_port = free_port(), free_port()
    url = f"http://{host}:{frontend_port}"
    reflex = AppProcess(
        backend_port,
        {"FRONTEND": url} if set_frontend else {},
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


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, compiled_frontend: Path) -> Iterator[RunningApp]:
    """The whole app (frontend and backend) with no Clerk keys and no MONGO_URI set."""
    workdir = tmp_path_factory.mktemp("emulator")
    with local_app(workdir, "localhost", compiled_frontend, set_frontend=True) as running:
        yield running


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
    response = httpx.get(f"{app.url}/favicon.ico", timeout=10)
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
    """Session tokens live 60 s: clerk-js fetches new ones, and loads keep working past that."""
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
    # Wait out the first token's lifetime: this test is about what happens after it.
    page.wait_for_timeout((TOKEN_LIFETIME_SECONDS + 2 - (time.monotonic() - signed_in_at)) * 1000)
    assert any(t > signed_in_at for t in token_calls), "clerk-js fetched no new token"
    token = page.evaluate("window.Clerk.session.getToken()")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] > first["exp"] and claims["exp"] > time.time()
    answer = httpx.get(
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
        response = httpx.post(outage, json={"webhooks_paused": paused}, headers=headers)
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
