"""What the emulator checks and reads in a request: the peer, proxy headers, the Origin, the
development browser, Clerk's method override and small form or JSON bodies."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from clerk_fullstack.core.bodies import read_body
from clerk_fullstack.core.origins import is_loopback_host, is_loopback_origin
from clerk_fullstack.local_clerk.errors import (
    CrossSiteRequestError,
    InvalidFormError,
    NotLoopbackError,
)
from clerk_fullstack.local_clerk.instance import Caller

MAX_FORM_BYTES = 16 * 1024
DEV_BROWSER_PARAM = "__clerk_db_jwt"
PROXY_HEADERS = frozenset({b"x-forwarded-for", b"forwarded", b"x-real-ip"})
"""Headers a proxy adds: a request relayed by one may come from anywhere, whatever its peer."""
SESSION_PARAM = "_clerk_session_id"

Endpoint = Callable[[Request], Awaitable[Response]]
OriginPolicy = Callable[[str | None], bool]


def relayed_by_proxy(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether raw ASGI headers show a proxy in the path (`X-Forwarded-For`, `Forwarded`,
    `X-Real-IP`). The peer is then the proxy, on this machine or not: it says nothing about
    the client, and a server told to trust those headers rewrites the peer from them."""
    return any(name.lower() in PROXY_HEADERS for name, _ in headers)


def loopback_origins(origin: str | None) -> bool:
    """The standalone emulator's rule: no Origin (not a browser), or a page on this machine."""
    return origin is None or is_loopback_origin(origin)


def guarded(endpoint: Endpoint, origin_allowed: OriginPolicy) -> Endpoint:
    """Answer loopback peers only, and browser calls only from allowed origins."""

    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        peer = request.client.host if request.client else None
        if not is_loopback_host(peer):
            raise NotLoopbackError("The local Clerk emulator answers this machine only")
        if not origin_allowed(request.headers.get("origin")):
            raise CrossSiteRequestError("Requests from this origin are not accepted")
        return await endpoint(request)

    return checked


def method_of(request: Request) -> str:
    """The method clerk-js means: it sends PATCH and DELETE as POST with `_method=`."""
    override = request.query_params.get("_method", "").upper()
    if request.method == "POST" and override in ("PATCH", "PUT", "DELETE"):
        return override
    return request.method


def caller_of(request: Request) -> Caller:
    """The development browser, origin and user agent behind a Frontend API call."""
    return Caller(
        browser_id=request.query_params.get(DEV_BROWSER_PARAM) or None,
        origin=request.headers.get("origin"),
        user_agent=request.headers.get("user-agent", ""),
        session_id=request.query_params.get(SESSION_PARAM) or None,
    )


async def read_form(request: Request) -> dict[str, str]:
    """A small `application/x-www-form-urlencoded` body, as clerk-js sends (last value wins)."""
    body = await read_body(request, MAX_FORM_BYTES)
    try:
        # Strict, also for percent-escapes: a lone surrogate or a bad byte is refused, never
        # stored (mangled or not) and never left to fail later in a webhook.
        return dict(parse_qsl(body.decode(), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise InvalidFormError("The form is not UTF-8") from None


async def read_json(request: Request) -> dict[str, Any]:
    """A small JSON object body (the emulator's own control endpoints)."""
    body = await read_body(request, MAX_FORM_BYTES)
    try:
        form = json.loads(body or b"{}")
    except ValueError:
        raise InvalidFormError("Body is not valid JSON") from None
    if not isinstance(form, dict):
        raise InvalidFormError("Body must be a JSON object")
    return form
