"""Webhook delivery as Svix does it: signed with the `svix` library, retried with backoff.

With an outbox, pending messages are kept on disk and resumed after a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from svix.webhooks import Webhook

from clerk_fullstack.core.tls import client_tls
from clerk_fullstack.local_clerk.outbox import Outbox

logger = logging.getLogger(__name__)

RETRY_DELAYS: tuple[float, ...] = (5.0, 30.0, 120.0, 300.0, 600.0)
"""Seconds to wait before each retry of a delivery that got no 2xx.

Svix waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; a local session is short, so this is
the same idea compressed into about 18 minutes.
"""
ATTEMPT_TIMEOUT_SECONDS = 15.0
"""Svix gives an endpoint 15 seconds to answer."""
CLAIM_MARGIN_SECONDS = 30.0
"""A claim outlives an attempt's timeout by this much before another process may take over."""
CLAIM_POLL_SECONDS = 1.0


def new_message_id() -> str:
    """A Svix message id; it stays the same across the retries of one delivery."""
    return f"msg_{secrets.token_hex(14)}"


def signed_headers(secret: str, msg_id: str, body: str, sent_at: datetime) -> dict[str, str]:
    """The headers of one delivery attempt, signed with the `svix` library."""
    return {
        "content-type": "application/json",
        "user-agent": "Svix-Webhooks/1.0 (local Clerk emulator)",
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
        outbox: Outbox | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self.retry_delays = tuple(retry_delays)
        self._timeout = timeout
        self._transport = transport
        self._sleep = sleep
        self.outbox = outbox
        self._tasks: set[asyncio.Task[Any]] = set()
        self.attempts: deque[DeliveryAttempt] = deque(maxlen=1000)
        """Recent attempts, newest last: what a Svix dashboard would show."""

    def send(self, event: dict[str, Any]) -> asyncio.Task[bool]:
        """Start delivering `event` now (kept in the outbox first); True once it is accepted."""
        msg_id = new_message_id()
        if self.outbox is not None:
            self.outbox.add(msg_id, event)
        return self._track(self.deliver(event, msg_id))

    def resume(self) -> asyncio.Task[None] | None:
        """Deliver what an earlier process left in the outbox: oldest first, back-off kept."""
        if self.outbox is None:
            return None
        pending = self.outbox.pending()

        async def resume_in_order() -> None:
            for message in pending:
                wait = max(0.0, message.due_at - time.time())
                await self.deliver(message.event, message.msg_id, message.attempts + 1, wait)

        return self._track(resume_in_order())

    def _track(self, work: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def deliver(
        self, event: dict[str, Any], msg_id: str, first_attempt: int = 1, wait: float = 0.0
    ) -> bool:
        """Try after `wait`, then after each remaining retry delay; give up after the last."""
        body = json.dumps(event, separators=(",", ":"))
        event_type = str(event.get("type"))
        delays = (0.0, *self.retry_delays)
        async with httpx.AsyncClient(
            transport=self._transport, timeout=self._timeout, verify=client_tls()
        ) as client:
            for attempt in range(first_attempt, len(delays) + 1):
                delay = wait if attempt == first_attempt else delays[attempt - 1]
                if delay:
                    await self._sleep(delay)
                if not await self._claim(msg_id):
                    return True  # another process finished it
                status = await self._attempt(client, msg_id, body)
                record = DeliveryAttempt(msg_id, event_type, attempt, status)
                self.attempts.append(record)
                if self.outbox is not None:
                    next_delay = delays[attempt] if attempt < len(delays) else None
                    await asyncio.to_thread(
                        self.outbox.record, msg_id, done=record.succeeded, next_delay=next_delay
                    )
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
        logger.error("Webhook %s (%s) gave up after %d attempts", msg_id, event_type, len(delays))
        return False

    async def _claim(self, msg_id: str) -> bool:
        """Hold the message for one attempt; False once it is no longer pending."""
        if self.outbox is None:
            return True
        while True:
            claimed = await asyncio.to_thread(
                self.outbox.claim, msg_id, self._timeout + CLAIM_MARGIN_SECONDS
            )
            if not isinstance(claimed, float):
                return claimed is not None
            # Another process is attempting it: look again soon, it may finish or die.
            await self._sleep(min(claimed, CLAIM_POLL_SECONDS))

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
