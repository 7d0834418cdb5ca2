"""Clerk's webhook payloads, read: a verified payload (`webhooks/signatures.py`) as a typed
event, and a Clerk User object (a webhook's `data`, or the Backend API's) as a `UserProfile`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clerk_fullstack.core.errors import ECHO_LIMIT, WebhookError, clip
from clerk_fullstack.users.profile import UserProfile

USER_EVENTS = ("user.created", "user.updated", "user.deleted")
USER_ID_MAX = 128
"""Clerk's user ids are about 32 characters."""


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


def parse_event(payload: Any) -> ClerkEvent:
    """Turn a verified payload into a typed event, or raise naming the first bad field."""
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise WebhookError("Payload has no event 'type'", reason="invalid-payload")
    event_type = payload["type"]
    if event_type not in USER_EVENTS:
        return OtherEvent(type=event_type)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise WebhookError(f"{event_type} payload has no 'data' object", reason="invalid-payload")
    if event_type == "user.deleted":
        user_id = required_str(data, "id", max_length=USER_ID_MAX)
        deleted_at = optional_version(payload, "timestamp", within="")
        return UserDeleted(clerk_user_id=user_id, deleted_at=deleted_at)
    profile = user_profile(data)
    return UserCreated(profile) if event_type == "user.created" else UserUpdated(profile)


def user_profile(data: Mapping[str, Any]) -> UserProfile:
    """The profile in a Clerk User object (webhook `data` or the Backend API).

    Raises `WebhookError` naming the first missing or wrong-typed field; `updated_at` is
    required, as the version every write is ordered by.
    """
    return UserProfile(
        clerk_user_id=required_str(data, "id", max_length=USER_ID_MAX),
        email=primary_email(data),
        first_name=optional_str(data, "first_name"),
        last_name=optional_str(data, "last_name"),
        clerk_updated_at=version(data, "updated_at"),
    )


def primary_email(data: Mapping[str, Any]) -> str | None:
    """The address whose id is `primary_email_address_id`, or None (phone-only sign-ups)."""
    primary_id = optional_str(data, "primary_email_address_id")
    addresses = data.get("email_addresses")
    if addresses is None:
        return None
    if not isinstance(addresses, list) or not all(isinstance(a, dict) for a in addresses):
        raise WebhookError(
            "'data.email_addresses' is not a list of objects", reason="invalid-payload"
        )
    emails = [(optional_str(a, "id"), optional_str(a, "email_address")) for a in addresses]
    return next((email for id_, email in emails if primary_id and id_ == primary_id), None)


def describe(event: OtherEvent) -> str:
    """The ignored event's type as sent when short and printable, else quoted and clipped."""
    if len(event.type) <= ECHO_LIMIT and event.type.isprintable():
        return event.type
    return clip(event.type)


# Typed field readers: a wrong type is a 400 naming the field.
MAX_VERSION = 2**63 - 1
"""Clerk's `updated_at` is stored as a BSON int64."""
MAX_VERSION_AHEAD_MS = 60 * 60 * 1000
"""How far past this server's clock a version (Clerk's `updated_at`, a deletion's `timestamp`)
may be. A stored version orders every later write, so one far in the future would make the
user ignore every genuine update until then. An hour covers any clock skew: a signed webhook
already proves this clock is within 5 minutes of Svix's."""


def _bad(field: str, what: str, *, within: str = "data.") -> WebhookError:
    return WebhookError(f"'{within}{field}' {what}", reason="invalid-payload")


def _encodable(value: str, field: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # A lone UTF-16 surrogate (valid as a JSON escape) cannot be stored as BSON.
        raise _bad(field, "is not valid Unicode") from None
    return value


def optional_str(data: Mapping[str, Any], field: str) -> str | None:
    """A string field that may be missing or null; an empty string counts as missing."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(field, "is not a string")
    return _encodable(value, field) or None


def required_str(data: Mapping[str, Any], field: str, *, max_length: int) -> str:
    """A non-empty string field of at most `max_length` characters."""
    value = optional_str(data, field)
    if value is None:
        raise _bad(field, "is missing")
    if len(value) > max_length:
        raise _bad(field, f"is longer than {max_length} characters")
    return value


def now_ms() -> int:
    """This server's clock, in Unix milliseconds."""
    return time.time_ns() // 1_000_000


def version(
    data: Mapping[str, Any], field: str, *, within: str = "data.", now: int | None = None
) -> int:
    """A non-negative integer (not a bool, not a float) that fits BSON's int64, and is no more
    than `MAX_VERSION_AHEAD_MS` past `now` (ms; this server's clock by default)."""
    value = data.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_VERSION:
        raise _bad(field, "is not a non-negative 64-bit integer", within=within)
    if value > (now_ms() if now is None else now) + MAX_VERSION_AHEAD_MS:
        raise WebhookError(
            f"'{within}{field}' is more than an hour ahead of this server's clock",
            reason="version-in-the-future",
        )
    return value


def optional_version(data: Mapping[str, Any], field: str, *, within: str = "data.") -> int | None:
    """`version`, or None when the field is missing or null."""
    return None if data.get(field) is None else version(data, field, within=within)
