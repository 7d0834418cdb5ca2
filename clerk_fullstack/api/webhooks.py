"""POST /webhooks: Clerk user events, verified with Svix (svix-* or webhook-* headers), applied
to MongoDB before the 2xx."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack.api.responses import message
from clerk_fullstack.core.bodies import read_body
from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.users import service as users
from clerk_fullstack.webhooks.events import (
    ClerkEvent,
    OtherEvent,
    UserCreated,
    UserDeleted,
    UserUpdated,
    describe,
    parse_event,
)
from clerk_fullstack.webhooks.signatures import check_timestamp, signed_headers, verify_signed

logger = logging.getLogger(__name__)


async def receive_webhook(request: Request) -> JSONResponse:
    """Verify, parse and apply one Clerk event; answer 2xx only once it is stored."""
    secret = get_clerk_instance().webhook_secret
    if secret is None:
        raise RuntimeError("No webhook secret: this process was configured to build files only")
    # Pure header checks first: a request without a well-formed, current signature set is
    # refused before any of its body is read or counted against the body budget.
    signed = signed_headers(request.headers)
    check_timestamp(signed, time.time())
    body = await read_body(request)
    event = parse_event(verify_signed(body, signed, secret))
    if isinstance(event, OtherEvent):
        return message(f"Event {describe(event)} ignored")
    result = await apply_event(event)
    # The message id (svix-id or webhook-id) was checked (short, printable) and signed.
    logger.info("Webhook %s for %s: %s", signed.msg_id, event_user_id(event), result)
    return message(f"Webhook received: user {result}")


async def apply_event(event: UserCreated | UserUpdated | UserDeleted) -> users.SyncResult:
    """Hand each user event to the users service function of the same name."""
    match event:
        case UserCreated(profile):
            return await users.create_user(profile)
        case UserUpdated(profile):
            return await users.save_profile(profile)
        case UserDeleted(clerk_user_id, deleted_at):
            return await users.delete_user(clerk_user_id=clerk_user_id, deleted_at=deleted_at)


def event_user_id(event: ClerkEvent) -> str | None:
    """The Clerk user an event is about, for the log."""
    if isinstance(event, UserDeleted):
        return event.clerk_user_id
    if isinstance(event, UserCreated | UserUpdated):
        return event.profile.clerk_user_id
    return None
