"""One TLS context for the app's outgoing clients: built once, verifying, and reused by the
clients the app makes for a single call (a context is about 50 ms of CPU on the event loop)."""

from __future__ import annotations

import ssl

import pytest

from clerk_fullstack.core.tls import client_tls
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.users.clerk_api import ClerkUsersAPI
from tests.helpers.jwks_server import FakeClock, JWKSServer, source_for
from tests.helpers.ports import free_port
from tests.helpers.tokens import new_signing_key

pytestmark = pytest.mark.unit

KEY = new_signing_key("kid_tls")


def test_the_context_is_made_once_and_verifies_as_httpx_does() -> None:
    context = client_tls()
    assert client_tls() is context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


async def test_a_jwks_refetch_builds_no_context(contexts_built: list[object]) -> None:
    with JWKSServer(KEY) as server:
        source = source_for(server, FakeClock())
        await source.get_key(KEY.kid)
        assert server.fetches == 1
    assert contexts_built == []


async def test_a_clerk_api_client_builds_no_context(contexts_built: list[object]) -> None:
    async with ClerkUsersAPI("http://127.0.0.1:9", "sk_test_tls"):
        pass
    assert contexts_built == []


async def test_a_webhook_delivery_builds_no_context(contexts_built: list[object]) -> None:
    closed_port = f"http://127.0.0.1:{free_port()}/webhooks"
    sender = WebhookSender(closed_port, "whsec_dGxzdGxzdGxzdGxzdGxzdGxz", retry_delays=())
    assert not await sender.deliver({"type": "user.created", "data": {}}, "msg_tls")
    assert contexts_built == []
