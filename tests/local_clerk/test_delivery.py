"""Emulator webhook delivery over real HTTP: retries with backoff on non-2xx, as Svix does."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from svix.webhooks import Webhook

from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.local_instance import new_webhook_secret
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.payloads import user_event
from clerk_fullstack.local_clerk.store import LocalUser
from clerk_fullstack.users.models import User
from tests.helpers import http_client
from tests.helpers.emulator import PASSWORD, Emulator, stored_user
from tests.helpers.local_clerk import serve_http
from tests.helpers.ports import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

USER = LocalUser(
    id="user_retry_1",
    email_address="retry@example.org",
    email_address_id="idn_retry_1",
    first_name="Re",
    last_name="Try",
    created_at=1_700_000_000_000,
    updated_at=1_700_000_000_000,
)


class FlakyEndpoint:
    """Fails the first deliveries with the given statuses, then answers `then` (or forwards)."""

    def __init__(self, failures: list[int], then: int = 204, forward_to: str | None = None):
        self.failures = list(failures)
        self.then = then
        self.forward_to = forward_to
        self.received: list[tuple[float, dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/webhooks", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        self.received.append((time.monotonic(), dict(request.headers), body))
        if self.failures:
            return JSONResponse({"error": "try later"}, status_code=self.failures.pop(0))
        if self.forward_to is None:
            return Response(status_code=self.then)
        headers = {k: v for k, v in request.headers.items() if k.startswith("svix-")}
        async with http_client.async_client() as client:
            answer = await client.post(self.forward_to, content=body, headers=headers)
        return Response(answer.content, status_code=answer.status_code)


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[FlakyEndpoint, str]]:
    endpoint = FlakyEndpoint([503, 500])
    async with serve_http(endpoint.app) as url:
        yield endpoint, f"{url}/webhooks"


async def test_non_2xx_is_retried_with_backoff(flaky: tuple[FlakyEndpoint, str]) -> None:
    endpoint, url = flaky
    secret = new_webhook_secret()
    sender = WebhookSender(url, secret, retry_delays=(0.2, 0.4, 5.0))
    assert await sender.send(user_event("user.created", USER, instance_id="ins_t")) is True

    assert [(a.attempt, a.status_code) for a in sender.attempts] == [(1, 503), (2, 500), (3, 204)]
    times = [when for when, _, _ in endpoint.received]
    assert times[1] - times[0] >= 0.2
    assert times[2] - times[1] >= 0.4
    # One message: the same svix-id every time, each attempt freshly and validly signed.
    ids = {headers["svix-id"] for _, headers, _ in endpoint.received}
    assert len(ids) == 1
    for _, headers, body in endpoint.received:
        Webhook(secret).verify(body, headers)


async def test_delivery_gives_up_after_the_last_retry() -> None:
    endpoint = FlakyEndpoint([500] * 10)
    async with serve_http(endpoint.app) as url:
        sender = WebhookSender(f"{url}/webhooks", new_webhook_secret(), retry_delays=(0.05, 0.05))
        task = sender.send(user_event("user.updated", USER, instance_id="ins_t"))
        assert await task is False
    assert [a.status_code for a in sender.attempts] == [500, 500, 500]


async def test_an_unreachable_endpoint_is_retried() -> None:
    sender = WebhookSender(
        f"http://127.0.0.1:{free_port()}/webhooks", new_webhook_secret(), retry_delays=(0.05,)
    )
    assert await sender.send(user_event("user.created", USER, instance_id="ins_t")) is False
    assert [(a.attempt, a.status_code) for a in sender.attempts] == [(1, None), (2, None)]


async def test_sign_up_reaches_mongo_after_the_app_first_fails(emulator: Emulator) -> None:
    # The emulator delivers through a proxy that answers 503 twice before passing it on.
    endpoint = FlakyEndpoint([503, 503], forward_to=f"{emulator.url}/webhooks")
    async with serve_http(endpoint.app) as proxy_url:
        emulator.local.webhooks = WebhookSender(
            f"{proxy_url}/webhooks",
            get_clerk_instance().webhook_secret or "",
            retry_delays=(0.5, 0.5),
        )
        body = await emulator.browser().sign_up("late@example.org", PASSWORD, "Late")
        user_id = body["response"]["created_user_id"]
        assert await User.find_one(User.clerk_user_id == user_id) is None
        await emulator.delivered()

    assert [a.status_code for a in emulator.webhooks.attempts] == [503, 503, 200]
    doc = await stored_user(user_id)
    assert doc is not None
    assert (doc["email"], doc["firstName"], doc["lastName"]) == ("late@example.org", "Late", None)
