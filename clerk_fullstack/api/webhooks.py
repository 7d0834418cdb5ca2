"""POST /webhooks: Clerk user events, verified with Svix, applied to MongoDB before the 2xx."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack import users, users_batched
from clerk_fullstack.api.responses import message
from clerk_fullstack.errors import AppError, PayloadTooLargeError
from clerk_fullstack.events import OtherEvent, UserDeleted, parse_event, verify_webhook
from clerk_fullstack.settings import get_settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refusing (413) anything over `limit` without buffering the rest."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
    return bytes(body)


async def receive_webhook(request: Request) -> JSONResponse:
    """Verify, parse and apply one Clerk event; answer 2xx only once it is stored."""
    secret = get_settings().clerk_webhook_secret
    if secret is None:
        raise AppError("CLERK_WEBHOOK_SECRET is not set", reason="webhook-secret-missing")
    body = await read_body(request)
    event = parse_event(verify_webhook(body, request.headers, secret))
    if isinstance(event, OtherEvent):
        return message(f"Event {event.type} ignored")
    if isinstance(event, UserDeleted):
        result = await users.delete_user(clerk_user_id=event.clerk_user_id)
        user_id = event.clerk_user_id
    else:
        if event.type == "user.created":
            # Batched with concurrent deliveries: one insert_many instead of one upsert each.
            result = await users_batched.create_user(event.profile)
        else:
            result = await users.save_profile(event.profile)
        user_id = event.profile.clerk_user_id
    logger.info("Webhook %s for %s: %s", request.headers.get("svix-id"), user_id, result)
    return message(f"Webhook received: user {result}")
