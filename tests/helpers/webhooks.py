"""Sign webhook bodies with the real `svix` library, as Clerk's Svix deliveries are signed, and
deliver them."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, overload

import httpx
from svix.webhooks import Webhook

from tests.helpers import http_client

TEST_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"clerk-fullstack-test-secret-0001").decode()


def signed_webhook(
    payload: dict[str, Any] | bytes,
    *,
    secret: str = TEST_WEBHOOK_SECRET,
    msg_id: str | None = None,
    timestamp: datetime | None = None,
    age: timedelta = timedelta(0),
    prefix: Literal["svix", "webhook"] = "svix",
) -> tuple[bytes, dict[str, str]]:
    """The body and the svix-* (or Standard Webhooks webhook-*) headers for one delivery."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    sent_at = (timestamp or datetime.now(UTC)) - age
    signature = Webhook(secret).sign(msg_id, sent_at, body.decode())
    return body, {
        f"{prefix}-id": msg_id,
        f"{prefix}-timestamp": str(int(sent_at.timestamp())),
        f"{prefix}-signature": signature,
        "content-type": "application/json",
    }


Payload = dict[str, Any] | bytes


@overload
def deliver(
    to: httpx.AsyncClient,
    payload: Payload,
    *,
    msg_id: str | None = None,
    age: timedelta = timedelta(0),
    timeout: float = 30,
) -> Coroutine[Any, Any, httpx.Response]: ...
@overload
def deliver(
    to: httpx.Client | str,
    payload: Payload,
    *,
    msg_id: str | None = None,
    age: timedelta = timedelta(0),
    timeout: float = 30,
) -> httpx.Response: ...
def deliver(
    to: httpx.AsyncClient | httpx.Client | str,
    payload: Payload,
    *,
    msg_id: str | None = None,
    age: timedelta = timedelta(0),
    timeout: float = 30,
) -> httpx.Response | Coroutine[Any, Any, httpx.Response]:
    """POST one signed delivery of `payload` to the app's `/webhooks`, as Svix does.

    `to` is the app's base URL (posted with `timeout`), or a client whose base URL is the app
    (its own timeout); with an `AsyncClient` the answer is awaited.
    """
    body, headers = signed_webhook(payload, msg_id=msg_id, age=age)
    if isinstance(to, str):
        return http_client.post(f"{to}/webhooks", content=body, headers=headers, timeout=timeout)
    return to.post("/webhooks", content=body, headers=headers)
