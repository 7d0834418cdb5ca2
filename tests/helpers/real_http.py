"""The REST routes as an app of their own (over ASGI or on a real loopback port), and what they
stored."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp

from clerk_fullstack.users.models import User
from tests.helpers import http_client
from tests.helpers.local_clerk import serve_http


def rest_api(*routes: BaseRoute, direct: bool = True) -> ASGIApp:
    """The app's REST routes, and `routes`, in front of an empty router (as in the app they are in
    front of Reflex's): any other path is a plain 404, and lifespan events are handled.

    As in the app, an API client's color request is answered in front of them
    (`api/direct.py`), unless `direct` is false.
    """
    from clerk_fullstack.api.app import build_api
    from clerk_fullstack.api.direct import DirectColorRoute

    api = build_api()
    api.routes.extend(routes)
    served = api(Router())
    return DirectColorRoute(served) if direct else served


@contextlib.asynccontextmanager
async def api_over_http() -> AsyncIterator[httpx.AsyncClient]:
    """A client for `rest_api()` served by Granian on a free loopback port."""
    async with (
        serve_http(rest_api()) as url,
        http_client.async_client(base_url=url, timeout=30) as client,
    ):
        yield client


async def stored_ids() -> set[str]:
    """The Clerk user ids in the database."""
    cursor = User.get_pymongo_collection().find({}, {"clerkUserId": 1})
    return {doc["clerkUserId"] async for doc in cursor}
