"""Emulator webhooks survive a restart: pending messages live in the data folder and resume."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.local_instance import new_webhook_secret
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.outbox import Outbox
from clerk_fullstack.users.models import User
from tests.helpers.emulator import PASSWORD, Emulator, stored_user
from tests.helpers.local_clerk import serve_http
from tests.helpers.ports import free_port
from tests.local_clerk.test_delivery import FlakyEndpoint

pytestmark = [pytest.mark.integration, pytest.mark.slow]


class RecordingEndpoint:
    """Accepts every delivery after `delay` seconds and remembers the order of svix-ids."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.received: list[str] = []
        self.app = Starlette(routes=[Route("/webhooks", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        self.received.append(request.headers["svix-id"])
        await asyncio.sleep(self.delay)
        return Response(status_code=204)


def pending_attempts(folder: Path) -> list[int]:
    path = folder / "outbox.json"
    if not path.exists():
        return []
    return [m["attempts"] for m in json.loads(path.read_text())["messages"].values()]


async def eventually(check: Any, what: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_503_then_a_restart_still_reaches_mongo(emulator: Emulator) -> None:
    secret = get_clerk_instance().webhook_secret or ""
    folder = emulator.local.store.directory / "outbox"
    endpoint = FlakyEndpoint([503], forward_to=f"{emulator.url}/webhooks")
    async with serve_http(endpoint.app) as proxy_url:
        url = f"{proxy_url}/webhooks"
        dying = WebhookSender(url, secret, retry_delays=(1.0, 1.0), outbox=Outbox(folder))
        emulator.local.webhooks = dying
        body = await emulator.browser().sign_up("restart@example.org", PASSWORD, "Re")
        user_id = body["response"]["created_user_id"]
        await eventually(lambda: pending_attempts(folder) == [1], "the 503 to be recorded")
        dying.cancel()  # the process dies before its retry
        await dying.wait_idle()
        assert await User.find_one(User.clerk_user_id == user_id) is None

        restarted = WebhookSender(url, secret, retry_delays=(1.0, 1.0), outbox=Outbox(folder))
        emulator.local.webhooks = restarted
        restarted.resume()
        await restarted.wait_idle()
    assert [(a.attempt, a.status_code) for a in restarted.attempts] == [(2, 200)]
    doc = await stored_user(user_id)
    assert doc is not None and doc["email"] == "restart@example.org"
    assert pending_attempts(folder) == []


async def test_pending_messages_resume_oldest_first(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    ids = [f"msg_order_{n}" for n in range(5)]
    for msg_id in ids:
        outbox.add(msg_id, {"type": "user.updated", "data": {"id": msg_id}})
    endpoint = RecordingEndpoint()
    async with serve_http(endpoint.app) as url:
        sender = WebhookSender(f"{url}/webhooks", new_webhook_secret(), outbox=Outbox(tmp_path))
        sender.resume()
        await sender.wait_idle()
    assert endpoint.received == ids
    assert pending_attempts(tmp_path) == []


async def test_two_workers_never_deliver_one_message_twice(tmp_path: Path) -> None:
    Outbox(tmp_path).add("msg_shared", {"type": "user.created", "data": {"id": "user_x"}})
    endpoint = RecordingEndpoint(delay=0.5)
    async with serve_http(endpoint.app) as url:
        workers = [
            WebhookSender(f"{url}/webhooks", new_webhook_secret(), outbox=Outbox(tmp_path))
            for _ in range(3)
        ]
        for worker in workers:
            worker.resume()
        for worker in workers:
            await worker.wait_idle()
    assert endpoint.received == ["msg_shared"]
    assert pending_attempts(tmp_path) == []


async def test_a_message_that_gives_up_leaves_the_outbox(tmp_path: Path) -> None:
    sender = WebhookSender(
        f"http://127.0.0.1:{free_port()}/webhooks",
        new_webhook_secret(),
        retry_delays=(0.05,),
        outbox=Outbox(tmp_path),
    )
    assert await sender.send({"type": "user.created", "data": {"id": "user_y"}}) is False
    assert pending_attempts(tmp_path) == []
