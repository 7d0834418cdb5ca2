"""GET /user/favoriteColor: the REST route kept for API clients, behind the same token check."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from clerk_fullstack.api.responses import PRIVATE_HEADERS
from clerk_fullstack.auth.session import verify_session_token
from clerk_fullstack.core.errors import UserNotSyncedError
from clerk_fullstack.users import missing as missing_users
from clerk_fullstack.users import service as users
from clerk_fullstack.users.models import FavoriteColor

PATH = "/user/favoriteColor"
SESSION_COOKIE = "__session"

COLOR_BODIES: dict[FavoriteColor, bytes] = {
    color: json.dumps(
        {"payload": color.value, "message": "Successfully Got User Favorite Color."},
        separators=(",", ":"),
    ).encode()
    for color in FavoriteColor
}
"""The route's answer for each color, encoded once: the same bytes `JSONResponse` would send."""


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value (any case of "Bearer")."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def session_token(request: Request) -> str | None:
    """The bearer token, else the `__session` cookie when the request is same-origin."""
    token = bearer_token(request.headers.get("authorization", ""))
    if token is not None:
        return token
    origin = request.headers.get("origin")
    if origin is not None:
        own = urlsplit(str(request.base_url))
        if urlsplit(origin)[:2] != own[:2]:
            return None
    if request.headers.get("sec-fetch-site") == "cross-site":
        return None
    return request.cookies.get(SESSION_COOKIE)


async def color_for(token: str | None) -> FavoriteColor:
    """The color of the user `token` names; raises an `AppError` (401, 404, 503) otherwise."""
    claims = await verify_session_token(token)
    color = await users.get_favorite_color(clerk_user_id=claims.user_id)
    if color is None:
        # Signed up, but the webhook has not arrived: Clerk is asked (see `missing_users`).
        color = (await missing_users.fetch_color(claims.user_id)).value
    if color is None:
        # The tutorial's message, with the reason every error carries.
        raise UserNotSyncedError("User not found")
    return color


def color_response(color: FavoriteColor) -> Response:
    """The route's 200 answer for `color`."""
    return Response(COLOR_BODIES[color], media_type="application/json", headers=PRIVATE_HEADERS)


async def favorite_color(request: Request) -> Response:
    """GET /user/favoriteColor: the signed-in user's color."""
    return color_response(await color_for(session_token(request)))
