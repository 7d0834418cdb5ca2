"""Webhook delivery as Svix does it: signed with the `svix` library, retried with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from svix.webhooks import Webhook

logger = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (5.0, 30.0, 120.0, 300.0, 600.0)
"""Seconds to wait before each retry of a delivery that got no 2xx.

Svix waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; a local session is short, so this is
the same idea compressed into about 18 minutes.
"""
ATTEMPT_TIMEOUT_SECONDS = 15.0
"""Svix gives an endpoint 15 seconds to answer."""


def new_message_id() -> str:
    """A Svix message id; it stays the same across the retries of one delivery."""
    return f"msg_{secrets.token_hex(14)}"


def signed_headers(secret: str, msg_id: str, body: str, sent_at: datetime) -> dict[str, str]:
    """The headers of one delivery attempt, signed with the `svix` library."""
    return {
        "content-type": "application/json",
        "user-agent": "Svix-Webhooks/1.0 (local Clerk stand-in)",
        "svix-id": msg_id,
        "svix-timestamp": str(int(sent_at.timestamp())),
        "svix-signature": Webhook(secret).sign(msg_id, sent_at, body),
    }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """What one attempt to deliver a message got back."""

    msg_id: str
    event_type: str
    attempt: int
    status_code: int | None
    """None when the endpoint could not be reached."""

    @property
    def succeeded(self) -> bool:
        """Whether the endpoint answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """Delivers events to one endpoint in the background, retrying non-2xx answers."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        timeout: float = ATTEMPT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url = url
        self._secret = secret
        self.retry_delays = tuple(retry_delays)
        self._timeout = timeout
        self._transport = transport
        self._sleep = sleep
        self._tasks: set[asyncio.Task[bool]] = set()
        self.attempts: deque[DeliveryAttempt] = deque(maxlen=1000)
        """Recent attempts, newest last: what a Svix dashboard would show."""

    def send(self, event: dict[str, Any]) -> asyncio.Task[bool]:
        """Start delivering `event` now; the task ends True once it is accepted."""
        task = asyncio.create_task(self.deliver(event, new_message_id()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def deliver(self, event: dict[str, Any], msg_id: str) -> bool:
        """Try now, then after each retry delay; give up after the last one."""
        body = json.dumps(event, separators=(",", ":"))
        event_type = str(event.get("type"))
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            for attempt, delay in enumerate((0.0, *self.retry_delays), start=1):
                if delay:
                    await self._sleep(delay)
                status = await self._attempt(client, msg_id, body)
                record = DeliveryAttempt(msg_id, event_type, attempt, status)
                self.attempts.append(record)
                if record.succeeded:
                    logger.info(
                        "Webhook %s (%s) delivered on attempt %d", msg_id, event_type, attempt
                    )
                    return True
                logger.warning(
                    "Webhook %s (%s) attempt %d failed: %s",
                    msg_id,
                    event_type,
                    attempt,
                    status if status is not None else "unreachable",
                )
        logger.error("Webhook %s (%s) gave up after %d attempts", msg_id, event_type, attempt)
        return False

    async def _attempt(self, client: httpx.AsyncClient, msg_id: str, body: str) -> int | None:
        headers = signed_headers(self._secret, msg_id, body, datetime.now(UTC))
        try:
            response = await client.post(self.url, content=body.encode(), headers=headers)
        except httpx.HTTPError:
            return None
        return response.status_code

    async def wait_idle(self) -> None:
        """Wait until every delivery started so far has succeeded or given up."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel(self) -> None:
        """Stop all pending deliveries (on shutdown)."""
        for task in list(self._tasks):
            task.cancel()
