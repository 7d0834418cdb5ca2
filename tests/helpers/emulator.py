"""The app in local mode on a real port, with the Clerk emulator mounted as the product mounts it.

The backend's REST routes get the emulator under `/local-clerk` (as `in_app.serve_in` does), and
the emulator's start-up work runs around it, so its webhooks reach the app's `/webhooks` on the
same port and the app's verifier fetches the emulator's JWKS over HTTP, as under `reflex run`.
Users sign up, rename themselves and delete their accounts through `FrontendAPI`, as in a browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.routing import Mount

from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.local_instance import ROUTE_PREFIX, directory
from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.local_clerk import in_app
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.instance import LocalClerk
from clerk_fullstack.local_clerk.server import emulator_lifespan
from clerk_fullstack.local_clerk.store import LocalUser, new_id, now_ms
from clerk_fullstack.server.startup import reset_caches
from clerk_fullstack.users.clerk_api import ClerkUsersAPI
from clerk_fullstack.users.models import DeletedUser, User
from tests.helpers import http_client
from tests.helpers.clerk_frontend import FrontendAPI
from tests.helpers.local_clerk import seed_signing_key, serve_http, use_local_mode
from tests.helpers.ports import free_port
from tests.helpers.real_http import rest_api
from tests.helpers.tokens import TEST_FRONTEND

PASSWORD = "correct horse battery"
"""The password `Emulator.sign_up` gives every user."""


@dataclass
class SignedIn:
    """A user who signed up in a browser of their own, and is signed in there."""

    user_id: str
    session_id: str
    email: str
    browser: FrontendAPI


@dataclass
class Emulator:
    """The app with the local Clerk emulator, served over HTTP; webhooks reach the app."""

    http: httpx.AsyncClient
    """A client whose base URL is the app's backend."""
    local: LocalClerk
    port: int

    @property
    def url(self) -> str:
        """The backend's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        """The emulator's base URL: Clerk's proxy URL and CLERK_API_URL in local mode."""
        return f"{self.url}{ROUTE_PREFIX}"

    @property
    def webhooks(self) -> WebhookSender:
        """The emulator's webhook sender (local mode always has one)."""
        assert self.local.webhooks is not None
        return self.local.webhooks

    def browser(self, origin: str | None = TEST_FRONTEND) -> FrontendAPI:
        """A new browser on the emulator (call `dev_browser()`, or let a flow do it)."""
        return FrontendAPI(self.base, origin=origin, http=self.http)

    async def delivered(self) -> None:
        """Wait until every webhook sent so far was accepted or given up."""
        await self.webhooks.wait_idle()

    def api(self, **options: Any) -> ClerkUsersAPI:
        """A Backend API client for the emulator, as the sync command builds it."""
        instance = get_clerk_instance()
        assert instance.secret_key is not None
        return ClerkUsersAPI(instance.api_url, instance.secret_key, **options)

    @property
    def secret_headers(self) -> dict[str, str]:
        """`Authorization: Bearer <secret key>`."""
        return {"authorization": f"Bearer {get_clerk_instance().secret_key}"}

    async def pause_webhooks(self, paused: bool = True) -> None:
        """Flip the emulator's outage switch through its Backend API."""
        response = await self.http.post(
            f"{ROUTE_PREFIX}/v1/outage",
            json={"webhooks_paused": paused},
            headers=self.secret_headers,
        )
        assert response.json() == {"webhooks_paused": paused}, response.text

    async def sign_up(
        self, email: str, first_name: str | None = "Ada", last_name: str | None = "L"
    ) -> SignedIn:
        """Sign up in a new browser (email code 424242) and wait for the webhook's delivery."""
        browser = self.browser()
        body = await browser.sign_up(email, PASSWORD, first_name, last_name)
        await self.delivered()
        sign_up = body["response"]
        assert sign_up["status"] == "complete", sign_up
        return SignedIn(sign_up["created_user_id"], sign_up["created_session_id"], email, browser)

    async def rename(
        self, signed_in: SignedIn, first_name: str, last_name: str | None = "L"
    ) -> None:
        """Change the user's names in their browser (`user.updated`), and wait for delivery."""
        await signed_in.browser.rename(first_name, last_name)
        await self.delivered()

    async def delete(self, signed_in: SignedIn) -> None:
        """Delete the account in the user's browser (`user.deleted`), and wait for delivery."""
        await signed_in.browser.delete_account()
        await self.delivered()

    def create_users(self, people: Sequence[tuple[str, str | None, str | None]]) -> list[LocalUser]:
        """Users put straight into the emulator's store, no webhooks: "made before the webhook
        endpoint existed". `people` are (email, first name, last name); creation times increase."""
        start = now_ms()
        created = [
            LocalUser(
                id=new_id("user"),
                email_address=email,
                email_address_id=new_id("idn"),
                first_name=first_name,
                last_name=last_name,
                created_at=start + index,
                updated_at=start + index,
            )
            for index, (email, first_name, last_name) in enumerate(people)
        ]
        with self.local.store.transaction(write=True) as records:
            for user in created:
                records.users[user.id] = user
        return created

    def update_names(
        self, user_id: str, first_name: str | None, last_name: str | None
    ) -> LocalUser:
        """Change a user's names in the store, no webhook; `updated_at` moves forward."""
        with self.local.store.transaction(write=True) as records:
            user = records.users[user_id]
            user.first_name, user.last_name = first_name, last_name
            user.updated_at = max(now_ms(), user.updated_at + 1)
            return replace(user)


@pytest.fixture
async def emulator(
    env: pytest.MonkeyPatch, tmp_path: Path, clean_db: None
) -> AsyncIterator[Emulator]:
    """The app in local mode (no Clerk keys) on a real port, with a clean database."""
    port = free_port()
    use_local_mode(env, tmp_path, backend_port=port)
    seed_signing_key(directory(get_settings()))
    mounted = in_app.emulator_app()
    async with (
        emulator_lifespan(mounted),
        serve_http(rest_api(Mount(ROUTE_PREFIX, app=mounted)), port) as url,
        http_client.async_client(base_url=url, timeout=30) as client,
    ):
        running = Emulator(client, in_app.get_local_clerk(), port)
        yield running
        await running.delivered()
    in_app.get_local_clerk.cache_clear()
    reset_caches()


async def stored_users() -> dict[str, dict[str, Any]]:
    """The `users` collection, by Clerk user id."""
    cursor = User.get_pymongo_collection().find({}, {"_id": 0})
    return {doc["clerkUserId"]: doc async for doc in cursor}


async def stored_user(user_id: str) -> dict[str, Any] | None:
    """One user's document, if stored."""
    doc: dict[str, Any] | None = await User.get_pymongo_collection().find_one(
        {"clerkUserId": user_id}, {"_id": 0}
    )
    return doc


async def tombstones() -> set[str]:
    """The ids in `deleted_users`."""
    return {doc["_id"] async for doc in DeletedUser.get_pymongo_collection().find({})}
