"""The pages in Debian's Chromium: offline against Clerk, and the favorite-color states.

Clerk mode runs the production build (`reflex run --env prod`) with the test publishable key; no
request may leave the machine, so Clerk's script cannot load and `ClerkFailed` must say so.
Local mode runs `reflex run` with the local Clerk emulator, to drive the signed-in states.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    WebSocketRoute,
    expect,
)
from pymongo import MongoClient
from pymongo.collection import Collection

from clerk_fullstack.clerk.token_sender import TOKEN_TIMEOUT_MS
from clerk_fullstack.components.clerk_status import CLERK_FAILED_MESSAGE
from clerk_fullstack.components.navbar import APP_NAME
from clerk_fullstack.core import routes
from clerk_fullstack.pages import favorite_color
from tests.conftest import COMMAND_ENV
from tests.helpers.app_process import AppProcess
from tests.helpers.browser import SCREENSHOTS, enter_code, fill_sign_up, on_this_machine
from tests.helpers.mongo import ChildServer, uri_for
from tests.helpers.ports import free_port
from tests.helpers.project import ARTIFACTS, copy_project

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

CLERK_FAILS_WITHIN_MS = 60_000  # Clerk gives up on its script after 15 s, and retries first
COLOR_TEXT = re.compile(r"^Your Favorite Color is: (RED|GREEN|BLUE)$")
RECORD_NOT_SYNCED = """
window.notSyncedNotices = [];
new MutationObserver(() => {
  const text = document.getElementById("color-not-synced")?.textContent;
  if (text && window.notSyncedNotices.at(-1) !== text) window.notSyncedNotices.push(text);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
"""Run in the page before its own scripts: every text the not-synced notice shows, in turn."""
ENGINE_IO_OPEN = (
    '0{"sid":"down","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
)
EVENT_NAMESPACE = "/_event"
PAGES = {
    "home": routes.HOME,
    "my-favorite-color": routes.FAVORITE_COLOR,
    "sign-in": routes.SIGN_IN,
    "sign-up": routes.SIGN_UP,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, compiled_frontend: Path) -> Path:
    """One copy of the project, with its own `.web/`, for every app in this module."""
    return copy_project(tmp_path_factory.mktemp("ui") / "app", web=compiled_frontend)


def _stay_on_this_machine(route: Route) -> None:
    if on_this_machine(route.request.url):
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile that cannot reach anything but this machine."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 760})
    ctx.set_default_timeout(30_000)
    ctx.route("**/*", _stay_on_this_machine)
    yield ctx
    ctx.close()


class Tab(NamedTuple):
    """An open page and the uncaught script errors it has met."""

    page: Page
    errors: list[str]


def open_tab(context: BrowserContext, url: str) -> Tab:
    """A new tab at `url` that records its uncaught script errors."""
    tab = Tab(context.new_page(), [])
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.page.goto(url)
    return tab


@pytest.fixture(scope="class")
def pages_without_clerk(browser: Browser, clerk_app: str) -> Iterator[dict[str, Tab]]:
    """Every page of `PAGES`, opened at once in one offline profile: Clerk takes about 15 s to
    give up on its script, and the tabs wait it out together."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 760})
    ctx.set_default_timeout(30_000)
    ctx.route("**/*", _stay_on_this_machine)
    yield {name: open_tab(ctx, f"{clerk_app}{path}") for name, path in PAGES.items()}
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on any uncaught script error."""
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    assert errors == []


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def expect_nav_bar(page: Page) -> None:
    nav = page.locator("#navbar")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name=APP_NAME)).to_have_attribute("href", routes.HOME)
    expect(nav.get_by_role("link", name="My favorite color")).to_have_attribute(
        "href", routes.FAVORITE_COLOR
    )


@pytest.fixture(scope="class")
def clerk_app(project: Path, mongo_uri: str) -> Iterator[str]:
    """Clerk mode: `reflex run --env prod` on one free port, with the test keys; its URL."""
    port = free_port()
    url = f"http://localhost:{port}"
    settings = dict(COMMAND_ENV)
    settings.update(MONGO_URI=mongo_uri, FRONTEND=url)
    app = AppProcess(
        port, settings, ARTIFACTS / "ui-clerk-reflex.log", frontend_port=port, cwd=project
    )
    app.start(f"{url}/", "/ping")
    yield url
    app.stop()


@pytest.fixture(scope="module")
def users(child_database: ChildServer) -> Iterator[Collection[dict[str, Any]]]:
    """The `users` collection the local-mode app reads."""
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri_for(child_database.port), serverSelectionTimeoutMS=10_000
    )
    yield client["auth"]["users"]
    client.close()


@pytest.fixture(scope="class")
def local_app(
    project: Path, child_database: ChildServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Local mode: `reflex run` with no Clerk keys, so the emulator signs users in; its URL."""
    frontend_port, backend_port = free_port(), free_port()
    url = f"http://localhost:{frontend_port}"
    settings = {
        "CLERK_MODE": "local",
        "DATA_DIR": str(tmp_path_factory.mktemp("ui-data")),
        "MONGO_URI": uri_for(child_database.port),
        "MONGO_TIMEOUT_MS": "1500",
        "FRONTEND": url,
        # These tests play a user whose webhook has not arrived and whom Clerk cannot be asked
        # about (tests/e2e/test_emulator_browser.py covers the fetch that usually fills the gap).
        "CLERK_FETCH_MISSING_USERS": "false",
    }
    app = AppProcess(
        backend_port,
        settings,
        ARTIFACTS / "ui-local-reflex.log",
        mode="dev",
        frontend_port=frontend_port,
        cwd=project,
    )
    app.start(f"{url}/", "/ping")
    yield url
    app.stop()


def sign_up(page: Page, app_url: str) -> str:
    """Sign up through Clerk's own SignUp form (against the emulator); return the email."""
    email = f"ui-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{app_url}{routes.SIGN_UP}")
    fill_sign_up(page, email)
    enter_code(page)
    page.wait_for_url(f"{app_url}{routes.HOME}")
    return email


def shown_color(page: Page, timeout: float = 30_000) -> str:
    """Wait for the loaded color and return it."""
    text = page.locator("#color-text")
    expect(text).to_have_text(COLOR_TEXT, timeout=timeout)
    match = COLOR_TEXT.match(text.inner_text())
    assert match is not None
    return match.group(1)


class TestOfflineAgainstClerk:
    """Clerk mode, production build, and Clerk's servers out of reach."""

    def test_home_renders_with_its_nav_bar(self, clerk_app: str, page: Page) -> None:
        page.goto(f"{clerk_app}/")
        expect_nav_bar(page)
        expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
        expect(page.locator("#home-favorite-color")).to_have_attribute(
            "href", routes.FAVORITE_COLOR
        )

    @pytest.mark.parametrize("name", PAGES)
    def test_clerk_failing_to_load_is_explained(
        self, pages_without_clerk: dict[str, Tab], name: str
    ) -> None:
        page, errors = pages_without_clerk[name]
        expect_nav_bar(page)
        expect(page.locator("#clerk-failed")).to_contain_text(
            CLERK_FAILED_MESSAGE, timeout=CLERK_FAILS_WITHIN_MS
        )
        expect(page.locator("#nav-sign-in-failed")).to_be_disabled()
        # Neither signed-in nor signed-out content claims to know who the user is.
        expect(page.locator("#color-signed-in")).to_have_count(0)
        expect(page.locator("#color-signed-out")).to_have_count(0)
        screenshot(page, name)
        assert errors == []

    @pytest.mark.parametrize("path", ["/sign-in/factor-one", "/sign-up/verify-email-address"])
    def test_clerk_sub_paths_are_served(self, clerk_app: str, page: Page, path: str) -> None:
        response = page.goto(f"{clerk_app}{path}")
        assert response is not None and response.ok
        expect_nav_bar(page)
        expect(page).to_have_title(re.compile("^Sign (in|up)$"))


class TestFavoriteColorStates:
    """Local mode: the emulator signs users in; the test controls the app's MongoDB."""

    def test_signed_out_page_asks_to_sign_in(self, local_app: str, page: Page) -> None:
        page.goto(f"{local_app}{routes.FAVORITE_COLOR}")
        expect_nav_bar(page)
        expect(page.locator("#color-signed-out")).to_contain_text(favorite_color.SIGNED_OUT_MESSAGE)
        expect(page.locator("#nav-sign-in")).to_have_text("Sign in")
        expect(page.locator("#page-sign-in")).to_have_text("Sign in")
        screenshot(page, "my-favorite-color-signed-out")

    def test_user_not_synced_yet_is_rechecked_until_the_webhook_lands(
        self, local_app: str, page: Page, users: Collection[dict[str, Any]]
    ) -> None:
        email = sign_up(page, local_app)
        expect_nav_bar(page)
        expect(page.locator("#nav-sign-in")).to_have_count(0)  # the user button instead
        screenshot(page, "home-signed-in")
        page.goto(f"{local_app}{routes.FAVORITE_COLOR}")
        color = shown_color(page)
        stored = users.find_one({"email": email})
        assert stored is not None and stored["favoriteColor"] == color
        expect(page.locator("#color-swatch")).to_have_css("background-color", _css_rgb(color))
        screenshot(page, "my-favorite-color-signed-in")

        # As for a brand-new sign-up whose `user.created` webhook has not arrived yet:
        users.delete_one({"_id": stored["_id"]})
        page.add_init_script(RECORD_NOT_SYNCED)
        page.reload()
        not_synced = page.locator("#color-not-synced")
        expect(not_synced).to_contain_text(favorite_color.NOT_SYNCED_MESSAGE)
        screenshot(page, "my-favorite-color-not-synced")
        # The re-checks back off: 1 s, then 2 s, ... (each notice is recorded as the page shows
        # it: on a busy machine the 1 s one can come and go between two looks at the page).
        expect(not_synced).to_contain_text("Checking again in 2 s...", timeout=10_000)
        shown = page.evaluate("window.notSyncedNotices")
        delays = [m.group(1) for text in shown if (m := re.search(r"again in (\d+) s", text))]
        assert delays[:2] == ["1", "2"], shown
        users.insert_one(stored)
        assert shown_color(page, timeout=20_000) == color

    def test_a_token_that_never_comes_is_reported_not_waited_for(
        self, local_app: str, page: Page
    ) -> None:
        sign_up(page, local_app)
        page.goto(f"{local_app}{routes.FAVORITE_COLOR}")
        shown_color(page)
        # Clerk hangs from now on: the session's getToken() never settles. (A function, so
        # that Playwright does not call the hanging one it would otherwise get back.)
        page.evaluate(
            """() => {
                const hang = () => new Promise(() => {});
                window.Clerk.session.getToken = hang;
                Object.getPrototypeOf(window.Clerk.session).getToken = hang;
            }"""
        )
        started = time.monotonic()
        page.get_by_role("button", name="Refresh").click()
        unreachable = page.locator("#color-unreachable")
        expect(unreachable).to_contain_text(
            favorite_color.UNREACHABLE_MESSAGE, timeout=TOKEN_TIMEOUT_MS + 10_000
        )
        assert time.monotonic() - started >= TOKEN_TIMEOUT_MS / 1000 - 1
        expect(page.locator("#color-text")).to_have_count(0)

    def test_lost_backend_socket_is_reported_then_recovered(
        self, local_app: str, page: Page
    ) -> None:
        sign_up(page, local_app)
        backend_down = {"now": True}

        def event_socket(socket: WebSocketRoute) -> None:
            if not backend_down["now"]:
                socket.connect_to_server()
                return

            # A backend refusing the connection, as Socket.IO sees it: the Engine.IO handshake,
            # then CONNECT_ERROR for Reflex's namespace. Reflex counts the errors and retries.
            def refuse(message: str | bytes) -> None:
                if isinstance(message, str) and message.startswith(f"40{EVENT_NAMESPACE},"):
                    socket.send(f'44{EVENT_NAMESPACE},{{"message":"backend unreachable"}}')

            socket.on_message(refuse)
            socket.send(ENGINE_IO_OPEN)

        page.route_web_socket(re.compile(EVENT_NAMESPACE), event_socket)
        page.goto(f"{local_app}{routes.FAVORITE_COLOR}")
        message = page.locator("#color-backend-unreachable")
        expect(message).to_contain_text(favorite_color.UNREACHABLE_MESSAGE, timeout=30_000)
        expect(page.locator("#color-text")).to_have_count(0)
        screenshot(page, "my-favorite-color-backend-unreachable")

        backend_down["now"] = False
        shown_color(page, timeout=60_000)
        expect(message).to_have_count(0)

    def test_database_outage_is_reported_then_recovered(
        self, local_app: str, page: Page, child_database: ChildServer
    ) -> None:
        sign_up(page, local_app)
        page.goto(f"{local_app}{routes.FAVORITE_COLOR}")
        color = shown_color(page)

        child_database.stop()
        try:
            page.get_by_role("button", name="Refresh").click()
            unreachable = page.locator("#color-unreachable")
            expect(unreachable).to_contain_text(favorite_color.UNREACHABLE_MESSAGE)
            expect(page.locator("#color-text")).to_have_count(0)
            screenshot(page, "my-favorite-color-unreachable")
        finally:
            child_database.start()
        # The driver finds the server again within a few seconds; until then, try again.
        deadline = time.monotonic() + 30
        while True:
            page.locator("#try-again").click()
            try:
                assert shown_color(page, timeout=5_000) == color
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise


def _css_rgb(color: str) -> str:
    """The computed `background-color` of a CSS color keyword."""
    return {"RED": "rgb(255, 0, 0)", "GREEN": "rgb(0, 128, 0)", "BLUE": "rgb(0, 0, 255)"}[color]
