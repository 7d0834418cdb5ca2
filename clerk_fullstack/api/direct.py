"""An API client's color request, answered in front of Reflex's whole ASGI stack.

Reflex serves its backend as one Starlette app mounted in another, and our routes sit between
them (`api/app.py`). So a request to `GET /user/favoriteColor` first goes through Reflex's outer
stack: its error middleware, CORS, its contexts, its exception middleware and its router, then
through ours. For the route's usual caller, an API client that sends `Authorization: Bearer` and
no `Origin` header, none of those layers does anything: CORS only answers browsers' cross-origin
calls, the dev origin guard passes a request with no Origin, and the route does not use Reflex's
contexts. Yet in the route's profile those layers were about a quarter of the worker's CPU.

`DirectColorRoute`, the outermost layer of the backend, answers exactly those requests with the
route's own code (`color_for`) and its own answers: the same body and headers on success, the same
JSON error or plain 500 otherwise, each marked `Vary: Origin` as the CORS layer marks the long
way's. Every other request, browsers' included, takes the long way unchanged.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from clerk_fullstack.api.responses import app_error_handler
from clerk_fullstack.api.users import PATH, bearer_token, color_for, color_response
from clerk_fullstack.core.errors import AppError
from clerk_fullstack.users.models import FavoriteColor

SERVER_ERROR = "Internal Server Error"
"""The body of Starlette's 500, which the long way sends."""


def vary_by_origin(response: Response) -> Response:
    """Mark `response` as depending on the request's Origin, as Reflex's CORS layer marks every
    answer it passes (with or without an Origin), so that the two ways answer alike."""
    response.headers["Vary"] = ", ".join([*response.headers.getlist("Vary"), "Origin"])
    return response


_ANSWERS = {color: vary_by_origin(color_response(color)) for color in FavoriteColor}
"""Each color's answer, as the route and the CORS layer make it, built once and sent as it is."""


def direct_token(scope: Scope) -> str | None:
    """The bearer token of a request `DirectColorRoute` answers, or None for any other.

    Answered here: an HTTP `GET` of the color route, under no root path, whose first
    `Authorization` header is a bearer token and which has no `Origin` header.
    """
    if (
        scope["type"] != "http"
        or scope["method"] != "GET"
        or scope["path"] != PATH
        or scope.get("root_path")
    ):
        return None
    authorization: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"origin":
            return None
        if name == b"authorization" and authorization is None:
            authorization = value
    if authorization is None:
        return None
    return bearer_token(authorization.decode("latin-1"))


class DirectColorRoute:
    """ASGI middleware: answers `direct_token`'s requests itself and passes on every other."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer an API client's color request, or pass the call on."""
        token = direct_token(scope)
        if token is None:
            await self.app(scope, receive, send)
            return
        try:
            color = await color_for(token)
        except AppError as exc:
            response = await app_error_handler(Request(scope, receive), exc)
            await vary_by_origin(response)(scope, receive, send)
            return
        except Exception:
            # As the routes' error middleware does on the long way: a plain 500, then the error
            # goes on to the server, which logs it.
            await vary_by_origin(PlainTextResponse(SERVER_ERROR, status_code=500))(
                scope, receive, send
            )
            raise
        answer = _ANSWERS[color]
        # A copy of the headers: an ASGI layer below may add to the list it is sent.
        await send(
            {"type": "http.response.start", "status": 200, "headers": list(answer.raw_headers)}
        )
        await send({"type": "http.response.body", "body": answer.body})
