"""The REST API for outside clients: favorite color and health, as a Starlette sub-app."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from clerk_fullstack import db, users_batched
from clerk_fullstack.api.responses import app_error_handler, message
from clerk_fullstack.api.webhooks import receive_webhook
from clerk_fullstack.auth import verify_session_token
from clerk_fullstack.errors import AppError
from clerk_fullstack.settings import get_settings

SESSION_COOKIE = "__session"


def session_token(request: Request) -> str | None:
    """The bearer token, else the `__session` cookie when the request is same-origin."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    origin = request.headers.get("origin")
    if origin is not None:
        own = urlsplit(str(request.base_url))
        if urlsplit(origin)[:2] != own[:2]:
            return None
    if request.headers.get("sec-fetch-site") == "cross-site":
        return None
    return request.cookies.get(SESSION_COOKIE)


async def favorite_color(request: Request) -> JSONResponse:
    """GET /user/favoriteColor: the signed-in user's color."""
    claims = await verify_session_token(session_token(request))
    color = await users_batched.get_favorite_color(clerk_user_id=claims.user_id)
    if color is None:
        return message("User not found", success=False, status_code=404)
    return JSONResponse(
        {"payload": color.value, "message": "Successfully Got User Favorite Color."}
    )


async def health(request: Request) -> JSONResponse:
    """GET /api/health: whether the database answers."""
    reachable = await db.ping()
    return JSONResponse(
        {"status": "ok" if reachable else "degraded", "database": reachable},
        status_code=200 if reachable else 503,
    )


def build_api() -> Starlette:
    """The sub-app Reflex mounts in front of its own routes."""
    routes: list[BaseRoute] = [
        Route("/webhooks", receive_webhook, methods=["POST"]),
        Route("/user/favoriteColor", favorite_color, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
    ]
    if get_settings().use_local_clerk:
        # Imported here so that Clerk mode never loads the stand-in.
        from clerk_fullstack.local_clerk import local_clerk_mount

        routes.append(local_clerk_mount())
    return Starlette(routes=routes, exception_handlers={AppError: app_error_handler})
