"""The REST sub-app on a real loopback port, and what it stored."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from clerk_fullstack.users.models import User
from tests.helpers.local_clerk import serve_http


@contextlib.asynccontextmanager
async def api_over_http() -> AsyncIterator[httpx.AsyncClient]:
    """A client for `build_api()` served by Granian on a free loopback port."""
    from clerk_fullstack.api.app import build_api

    async with (
        serve_http(build_api()) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client


async def stored_ids() -> set[str]:
    """The Clerk user ids in the database."""
    cursor = User.get_pymongo_collection().find({}, {"clerkUserId": 1})
    return {doc["clerkUserId"] async for doc in cursor}
