"""GET /user/favoriteColor: the REST route kept for API clients, behind the same token check."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack.api.responses import PRIVATE_HEADERS
from clerk_fullstack.auth.session import verify_session_token
from clerk_fullstack.core.errors import UserNotSyncedError
from clerk_fullstack.users import missing as missing_users
from clerk_fullstack.users import service as users

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
    color = await users.get_favorite_color(clerk_user_id=claims.user_id)
    if color is None:
        # Signed up, but the webhook has not arrived: Clerk is asked (see `missing_users`).
        color = (await missing_users.fetch_color(claims.user_id)).value
    if color is None:
        # The tutorial's message, with the reason every error carries.
        raise UserNotSyncedError("User not found")
    return JSONResponse(
        {"payload": color.value, "message": "Successfully Got User Favorite Color."},
        headers=PRIVATE_HEADERS,
    )
