"""Which browser origins and peers the app trusts: FRONTEND in prod, any loopback origin in dev.

Dev mode must work wherever `reflex run` serves the page (localhost, 127.0.0.1, [::1], any
port, since Reflex moves to another port when 3000 is busy), with nothing to configure.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.core.settings import is_loopback_host as is_loopback_host  # re-exported


def is_loopback_origin(origin: str | None) -> bool:
    """Whether `origin` is an http(s) page served from this machine, on any port."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)


def origin_allowed(origin: str, allowed: Collection[str], *, allow_loopback: bool) -> bool:
    """Whether a browser origin may call the backend: listed, or loopback when that is allowed."""
    origin = origin.rstrip("/")
    return origin in allowed or (allow_loopback and is_loopback_origin(origin))


def app_origin_allowed(origin: str | None) -> bool:
    """The app's rule for an `Origin` header: FRONTEND always, any loopback origin in dev."""
    if origin is None:
        return True  # not a browser's cross-origin call: nothing to check
    settings = get_settings()
    return origin_allowed(origin, [settings.frontend], allow_loopback=settings.is_dev)


class DevOriginGuard:
    """Refuses browser calls from non-loopback origins in dev, where CORS admits every origin.

    Reflex takes CORS origins only as a fixed list; dev mode cannot list every loopback port,
    so it admits `*` at the CORS layer and this guard enforces the loopback rule underneath.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the call on, unless it carries an Origin the app does not trust."""
        if scope["type"] in ("http", "websocket"):
            origin = dict(scope.get("headers") or []).get(b"origin")
            if origin is not None and not app_origin_allowed(origin.decode("latin-1")):
                await _refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        if (await receive())["type"] == "websocket.connect":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(
        {
            "success": False,
            "message": "This origin may not call the backend; in dev, open the app on a "
            "loopback address (localhost, 127.0.0.1 or [::1])",
            "reason": "origin-not-allowed",
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
