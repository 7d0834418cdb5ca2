"""The app with the local Clerk stand-in on a real port (clean SecantusDB), driven like a user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_fullstack.api.app import build_api
from clerk_fullstack.clerk_instance import get_clerk_instance
from clerk_fullstack.local_clerk.instance import LocalClerk, get_local_clerk
from clerk_fullstack.models import DeletedUser, User
from clerk_fullstack.startup import reset_caches
from clerk_fullstack.sync.clerk_api import ClerkUsersAPI
from tests.helpers.local_clerk import serve_http, use_local_mode
from tests.helpers.mongo import free_port
from tests.helpers.tokens import TEST_FRONTEND


@dataclass
class StandIn:
    """The app with the local Clerk stand-in, served over HTTP; webhooks reach the app."""

    http: httpx.AsyncClient
    local: LocalClerk
    port: int

    def api(self, **options: Any) -> ClerkUsersAPI:
        """A Backend API client for the stand-in, as the sync command builds it."""
        instance = get_clerk_instance()
        assert instance.secret_key is not None
        return ClerkUsersAPI(instance.api_url, instance.secret_key, **options)

    @property
    def secret_headers(self) -> dict[str, str]:
        """`Authorization: Bearer <secret key>`."""
        return {"authorization": f"Bearer {get_clerk_instance().secret_key}"}

    async def pause_webhooks(self, paused: bool = True) -> None:
        """Flip the stand-in's outage switch over HTTP."""
        response = await self.http.post(
            "/local-clerk/v1/outage", json={"webhooks_paused": paused}, headers=self.secret_headers
        )
        assert response.json() == {"webhooks_paused": paused}, response.text

    async def sign_up(self, email: str, first_name: str = "Ada") -> dict[str, Any]:
        """Sign up through the browser route; returns the session the browser keeps."""
        response = await self.http.post(
            "/local-clerk/v1/client/sign_ups",
            json={"email_address": email, "first_name": first_name, "last_name": "L"},
            headers={"origin": TEST_FRONTEND},
        )
        assert response.status_code == 200, response.text
        await self.local.webhooks.wait_idle()
        signed_in: dict[str, Any] = response.json()
        return signed_in

    async def rename(self, signed_in: dict[str, Any], first_name: str) -> None:
        """Change the user's first name through the browser route (`user.updated`)."""
        response = await self.http.patch(
            "/local-clerk/v1/me",
            json={"first_name": first_name, "last_name": "L"},
            headers={
                "authorization": f"Bearer {signed_in['client_token']}",
                "origin": TEST_FRONTEND,
            },
        )
        assert response.status_code == 200, response.text
        await self.local.webhooks.wait_idle()

    async def delete(self, signed_in: dict[str, Any]) -> None:
        """Delete the account through the browser route (`user.deleted`)."""
        response = await self.http.delete(
            "/local-clerk/v1/me",
            headers={
                "authorization": f"Bearer {signed_in['client_token']}",
                "origin": TEST_FRONTEND,
            },
        )
        assert response.status_code == 200, response.text
        await self.local.webhooks.wait_idle()


@pytest.fixture
async def stand_in(
    env: pytest.MonkeyPatch, tmp_path: Path, clean_db: None
) -> AsyncIterator[StandIn]:
    """The app in local mode (no Clerk keys) on a real port, with a clean database."""
    port = free_port()
    use_local_mode(env, tmp_path, backend_port=port)
    local = get_local_clerk()
    async with (
        serve_http(build_api(), port) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield StandIn(client, local, port)
        await local.webhooks.wait_idle()
    reset_caches()


async def stored_users() -> dict[str, dict[str, Any]]:
    """The `users` collection, by Clerk user id."""
    cursor = User.get_pymongo_collection().find({}, {"_id": 0})
    return {doc["clerkUserId"]: doc async for doc in cursor}


async def tombstones() -> set[str]:
    """The ids in `deleted_users`."""
    return {doc["_id"] async for doc in DeletedUser.get_pymongo_collection().find({})}
