"""Keep credentials out of Reflex's socket: its handshake reaches Reflex without cookies.

Reflex copies the websocket handshake's headers into each tab's state (`router_data`), which its
state managers persist (disk files, Redis values) and which its error logs print. The browser
sends the page's cookies with that handshake, Clerk's `__session` and `__clerk_db_jwt` among
them. The app never reads them there: an event that needs the user carries a fresh session token
from Clerk (`clerk/token_sender.py`). So they are dropped before Reflex sees the handshake.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

DROPPED_HEADERS = frozenset({b"cookie", b"authorization"})
"""Handshake headers that can carry a credential (ASGI header names are lower-case)."""


class DropSocketCredentials:
    """ASGI middleware: a websocket scope goes on without `DROPPED_HEADERS`.

    The app's only websocket is Reflex's event socket, and only it persists headers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the call on, a websocket's without its credential headers."""
        if scope["type"] == "websocket":
            headers = scope.get("headers") or []
            if any(name in DROPPED_HEADERS for name, _ in headers):
                kept = [(name, value) for name, value in headers if name not in DROPPED_HEADERS]
                scope = {**scope, "headers": kept}
        await self.app(scope, receive, send)
