"""What the stand-in's endpoints check and read in a request: the peer, the Origin, the
client token and a small JSON form."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack.api.bodies import read_body
from clerk_fullstack.local_clerk.errors import (
    CrossSiteRequestError,
    InvalidFormError,
    NotLoopbackError,
    UnsupportedMediaTypeError,
)
from clerk_fullstack.origins import app_origin_allowed, is_loopback_host

MAX_FORM_BYTES = 16 * 1024

Endpoint = Callable[[Request], Awaitable[JSONResponse]]


def guarded(endpoint: Endpoint) -> Endpoint:
    """Answer loopback peers only, and browser calls only from the app's own origin(s)."""

    @functools.wraps(endpoint)
    async def checked(request: Request) -> JSONResponse:
        peer = request.client.host if request.client else None
        if not is_loopback_host(peer):
            raise NotLoopbackError("The local Clerk stand-in answers this machine only")
        if not app_origin_allowed(request.headers.get("origin")):
            raise CrossSiteRequestError("Requests from this origin are not accepted")
        return await endpoint(request)

    return checked


def client_token(request: Request) -> str | None:
    """The client token from `Authorization: Bearer …`."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def read_form(request: Request) -> dict[str, Any]:
    """The JSON object in the body, refusing anything large, slow, malformed or not JSON."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaTypeError("Send the form as Content-Type: application/json")
    body = await read_body(request, MAX_FORM_BYTES)
    try:
        form = json.loads(body or b"{}")
    except ValueError:
        raise InvalidFormError("Body is not valid JSON") from None
    if not isinstance(form, dict):
        raise InvalidFormError("Body must be a JSON object")
    return form
