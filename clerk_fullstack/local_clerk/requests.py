"""What the stand-in's endpoints read from a request: the client token and a small JSON form."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from clerk_fullstack.errors import PayloadTooLargeError
from clerk_fullstack.local_clerk.errors import InvalidFormError

MAX_FORM_BYTES = 16 * 1024


def client_token(request: Request) -> str | None:
    """The client token from `Authorization: Bearer …`."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def read_form(request: Request) -> dict[str, Any]:
    """The JSON object in the body, refusing anything large or malformed."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PayloadTooLargeError(f"Body is larger than {MAX_FORM_BYTES} bytes")
    try:
        form = json.loads(body or b"{}")
    except ValueError:
        raise InvalidFormError("Body is not valid JSON") from None
    if not isinstance(form, dict):
        raise InvalidFormError("Body must be a JSON object")
    return form
