"""The REST sub-app on a real loopback port, and webhook deliveries to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from clerk_fullstack.users.models import User
from tests.helpers.local_clerk import serve_http
from tests.helpers.webhooks import signed_webhook


@contextlib.asynccontextmanager
async def api_over_http() -> AsyncIterator[httpx.AsyncClient]:
    """A client for `build_api()` served by Granian on a free loopback port."""
    from clerk_fullstack.api.app import build_api

    async with (
        serve_http(build_api()) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


async def deliver(client: httpx.AsyncClient, payload: Any, **sign: Any) -> httpx.Response:
    """POST one signed webhook."""
    body, headers = signed_webhook(payload, **sign)
    return await client.post("/webhooks", content=body, headers=headers)


async def stored_ids() -> set[str]:
    """The Clerk user ids in the database."""
    cursor = User.get_pymongo_collection().find({}, {"clerkUserId": 1})
    return {doc["clerkUserId"] async for doc in cursor}
