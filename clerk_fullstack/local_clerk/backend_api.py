"""The emulator's Backend API, in Clerk's shapes, behind its secret key: the JWKS and users.

`GET /v1/users` answers a bare array of User objects paged by `limit`/`offset` and sorted by
`order_by`; `GET /v1/users/count` answers `{"object": "total_count", …}`; `GET /v1/users/{id}` one
User object, or 404 `resource_not_found`. `/v1/outage` turns
webhook delivery off and on, to make users whose webhooks never arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from clerk_fullstack.local_clerk.errors import InvalidFormError, ResourceNotFoundError
from clerk_fullstack.local_clerk.instance import LocalClerk
from clerk_fullstack.local_clerk.outage import set_webhooks_paused, webhooks_paused
from clerk_fullstack.local_clerk.payloads import user_data
from clerk_fullstack.local_clerk.requests import OriginPolicy, guarded, read_json
from clerk_fullstack.local_clerk.store import LocalUser

MAX_LIMIT = 500
DEFAULT_LIMIT = 10
DEFAULT_ORDER = "-created_at"
ORDER_FIELDS = ("created_at", "updated_at")


def int_param(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within [low, high], or `InvalidFormError` naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidFormError(f"{name} must be an integer between {low} and {high}")
    return int(raw)


def sort_users(users: Sequence[LocalUser], order_by: str) -> list[LocalUser]:
    """Users sorted as Clerk's `order_by` says (`-` descending, `+` or none ascending)."""
    field = order_by.lstrip("+-")
    if field not in ORDER_FIELDS:
        raise InvalidFormError(f"order_by must be one of {', '.join(ORDER_FIELDS)}, with + or -")
    # The id breaks ties, so that pages stay stable between calls.
    return sorted(users, key=lambda u: (getattr(u, field), u.id), reverse=order_by.startswith("-"))


def authorized(request: Request) -> LocalClerk:
    """The emulator serving this request, once the caller has shown the secret key."""
    clerk: LocalClerk = request.app.state.clerk
    clerk.check_secret_key(request.headers.get("authorization"))
    return clerk


async def jwks(request: Request) -> JSONResponse:
    """GET /v1/jwks: the public signing key, for callers holding the secret key."""
    return JSONResponse(authorized(request).signing_key.jwks())


async def matching_users(request: Request) -> tuple[LocalClerk, list[LocalUser]]:
    """The caller's emulator (secret key checked) and its users, narrowed by `user_id`s."""
    clerk = authorized(request)
    users = await asyncio.to_thread(clerk.store.all_users)
    wanted = set(request.query_params.getlist("user_id"))
    return clerk, [u for u in users if u.id in wanted] if wanted else users


async def list_users(request: Request) -> JSONResponse:
    """GET /v1/users: one page of User objects."""
    _, users = await matching_users(request)
    limit = int_param(request, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    offset = int_param(request, "offset", 0, low=0, high=10**9)
    ordered = sort_users(users, request.query_params.get("order_by", DEFAULT_ORDER))
    return JSONResponse([user_data(u) for u in ordered[offset : offset + limit]])


async def count_users(request: Request) -> JSONResponse:
    """GET /v1/users/count: how many users match."""
    _, users = await matching_users(request)
    return JSONResponse({"object": "total_count", "total_count": len(users)})


async def get_user(request: Request) -> JSONResponse:
    """GET /v1/users/{user_id}: one User object, or Clerk's 404 for an unknown id."""
    clerk = authorized(request)
    user = await asyncio.to_thread(clerk.store.get_user, request.path_params["user_id"])
    if user is None:
        raise ResourceNotFoundError(
            "Resource not found", long_message="No user was found with this id."
        )
    return JSONResponse(user_data(user))


async def outage(request: Request) -> JSONResponse:
    """GET/POST /v1/outage: whether webhooks are paused; POST `{"webhooks_paused": bool}`."""
    folder = authorized(request).store.directory
    if request.method == "POST":
        paused = (await read_json(request)).get("webhooks_paused")
        if not isinstance(paused, bool):
            raise InvalidFormError("webhooks_paused must be true or false")
        await asyncio.to_thread(set_webhooks_paused, folder, paused=paused)
    return JSONResponse({"webhooks_paused": await asyncio.to_thread(webhooks_paused, folder)})


def backend_api_routes(origin_allowed: OriginPolicy) -> list[Route]:
    """The Backend API's routes, behind the loopback and Origin checks and the secret key."""
    return [
        Route("/v1/jwks", guarded(jwks, origin_allowed), methods=["GET"]),
        Route("/v1/users", guarded(list_users, origin_allowed), methods=["GET"]),
        Route("/v1/users/count", guarded(count_users, origin_allowed), methods=["GET"]),
        Route("/v1/users/{user_id}", guarded(get_user, origin_allowed), methods=["GET"]),
        Route("/v1/outage", guarded(outage, origin_allowed), methods=["GET", "POST"]),
    ]
