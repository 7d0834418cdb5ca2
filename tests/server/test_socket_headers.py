"""Reflex's socket handshake reaches Reflex without the page's cookies."""

from __future__ import annotations

import pytest
from starlette.types import Receive, Scope, Send

from clerk_fullstack.server.socket_headers import DropSocketCredentials

pytestmark = pytest.mark.unit

HEADERS = [
    (b"origin", b"http://localhost:3000"),
    (b"cookie", b"__session=eyJ.secret; __clerk_db_jwt=dvb_secret"),
    (b"authorization", b"Bearer eyJ.secret"),
    (b"user-agent", b"test"),
]


async def seen_by_the_app(scope_type: str) -> list[tuple[bytes, bytes]]:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> dict[str, object]:
        return {}

    async def send(message: object) -> None:
        pass

    await DropSocketCredentials(app)({"type": scope_type, "headers": HEADERS}, receive, send)
    return list(seen[0]["headers"])


async def test_a_websocket_handshake_loses_cookies_and_authorization() -> None:
    assert await seen_by_the_app("websocket") == [HEADERS[0], HEADERS[3]]


async def test_http_requests_keep_their_headers() -> None:
    # The REST route reads the bearer token (or a same-origin `__session` cookie).
    assert await seen_by_the_app("http") == HEADERS
