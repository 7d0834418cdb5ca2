"""Pure checks for Clerk webhooks: Svix signature verification and typed event parsing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from svix.webhooks import Webhook, WebhookVerificationError

from clerk_fullstack.errors import WebhookError
from clerk_fullstack.models import UserProfile

SVIX_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")
USER_EVENTS = ("user.created", "user.updated", "user.deleted")


@dataclass(frozen=True, slots=True)
class UserCreated:
    """`user.created`: the profile of a new user."""

    profile: UserProfile


@dataclass(frozen=True, slots=True)
class UserUpdated:
    """`user.updated`: the user's new profile."""

    profile: UserProfile


@dataclass(frozen=True, slots=True)
class UserDeleted:
    """`user.deleted`."""

    clerk_user_id: str
    deleted_at: int | None = None
    """The event's top-level `timestamp` (ms): when Clerk deleted the user."""


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """An event type this app does not act on."""

    type: str


ClerkEvent = UserCreated | UserUpdated | UserDeleted | OtherEvent


def verify_webhook(body: bytes, headers: Mapping[str, str], secret: str) -> Any:
    """Check the Svix signature (±5 minutes) over the raw body; return the decoded JSON."""
    missing = [name for name in SVIX_HEADERS if not headers.get(name)]
    if missing:
        raise WebhookError(
            f"Missing required headers: {', '.join(missing)}", reason="missing-headers"
        )
    try:
        Webhook(secret).verify(body, {name: headers[name] for name in SVIX_HEADERS})
    except WebhookVerificationError as exc:
        reason = "stale-timestamp" if "timestamp" in str(exc).lower() else "invalid-signature"
        raise WebhookError(f"Webhook verification failed: {exc}", reason=reason) from None
    try:
        return json.loads(body)
    except ValueError:
        raise WebhookError("Body is not valid JSON", reason="invalid-json") from None


def parse_event(payload: Any) -> ClerkEvent:
    """Turn a verified payload into a typed event, or raise naming the missing field."""
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise WebhookError("Payload has no event 'type'", reason="invalid-payload")
    event_type = payload["type"]
    if event_type not in USER_EVENTS:
        return OtherEvent(type=event_type)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError(f"{event_type} payload has no 'data' object", reason="invalid-payload")
    user_id = data.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise WebhookError(f"{event_type} payload has no 'data.id'", reason="invalid-payload")
    if event_type == "user.deleted":
        timestamp = payload.get("timestamp")
        return UserDeleted(clerk_user_id=user_id, deleted_at=_optional_int(timestamp))
    profile = user_profile(data)
    if profile is None:
        raise WebhookError(
            f"{event_type} payload has no integer 'data.updated_at'", reason="invalid-payload"
        )
    return UserCreated(profile) if event_type == "user.created" else UserUpdated(profile)


def user_profile(data: Mapping[str, Any]) -> UserProfile | None:
    """The profile in a Clerk User object (webhook `data` or the Backend API), or None.

    None when it has no `id` or no integer `updated_at`, the version every write is ordered by.
    """
    user_id = data.get("id")
    updated_at = _optional_int(data.get("updated_at"))
    if not isinstance(user_id, str) or not user_id or updated_at is None:
        return None
    return UserProfile(
        clerk_user_id=user_id,
        email=primary_email(data),
        first_name=_optional_str(data.get("first_name")),
        last_name=_optional_str(data.get("last_name")),
        clerk_updated_at=updated_at,
    )


def primary_email(data: Mapping[str, Any]) -> str | None:
    """The address whose id is `primary_email_address_id`, or None (phone-only sign-ups)."""
    primary_id = data.get("primary_email_address_id")
    addresses = data.get("email_addresses")
    if not primary_id or not isinstance(addresses, list):
        return None
    for address in addresses:
        if isinstance(address, dict) and address.get("id") == primary_id:
            return _optional_str(address.get("email_address"))
    return None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
