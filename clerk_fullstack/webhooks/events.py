"""Pure checks for Clerk webhooks: Svix signature verification (svix-* or Standard Webhooks
webhook-* headers) and typed event parsing."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from svix.webhooks import Webhook, WebhookVerificationError

from clerk_fullstack.core.errors import ECHO_LIMIT, WebhookError, clip
from clerk_fullstack.users.profile import UserProfile

SVIX_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
"""The Standard Webhooks names for the same three values."""
USER_EVENTS = ("user.created", "user.updated", "user.deleted")
SVIX_ID = re.compile(r"[\x21-\x7e]{1,256}")
"""Printable ASCII, bounded: the id is logged, and Svix's are about 30 characters."""
SVIX_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SVIX_SIGNATURE_MAX = 4096
V1_SIGNATURE = re.compile(r"v1,[A-Za-z0-9+/]{43}=")
"""One `v1` entry as Svix writes it: base64 of an HMAC-SHA256. Other entries never match."""
TOLERANCE_SECONDS = 5 * 60
"""How far a delivery's timestamp may be from the server's clock (the `svix` library's window)."""
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


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """One delivery's id, timestamp and signature list, all from the same header set."""

    names: tuple[str, str, str]
    """The header names they came from, for error messages."""
    msg_id: str
    timestamp: str
    signature: str


def signed_headers(headers: Mapping[str, str]) -> SignedHeaders:
    """The svix-* headers if any is present, else the Standard Webhooks webhook-* ones.

    Never a mix: when any svix-* header is sent, the webhook-* ones are ignored, so a partial
    svix-* set is refused as missing headers rather than completed from the other set. That
    is the `svix` library's preference too (it reads svix-* before webhook-*). Missing or
    malformed values are a 400 before any signature work.
    """
    names = SVIX_HEADERS if any(name in headers for name in SVIX_HEADERS) else STANDARD_HEADERS
    missing = [name for name in names if not headers.get(name)]
    if missing:
        listed = ", ".join(missing)
        if names is STANDARD_HEADERS and len(missing) == len(names):
            listed = f"{', '.join(SVIX_HEADERS)} (or {listed})"
        raise WebhookError(f"Missing required headers: {listed}", reason="missing-headers")
    id_name, timestamp_name, signature_name = names
    signed = SignedHeaders(
        names, headers[id_name], headers[timestamp_name], headers[signature_name]
    )
    if not SVIX_ID.fullmatch(signed.msg_id):
        raise WebhookError(f"{id_name} is not a printable id", reason="invalid-headers")
    if not SVIX_TIMESTAMP.fullmatch(signed.timestamp):
        raise WebhookError(f"{timestamp_name} is not a Unix time", reason="invalid-timestamp")
    if len(signed.signature) > SVIX_SIGNATURE_MAX:
        raise WebhookError(f"{signature_name} is too long", reason="invalid-signature")
    if not any(V1_SIGNATURE.fullmatch(entry) for entry in signed.signature.split(" ")):
        # The `svix` library would find no match either: refused before the body is read.
        raise WebhookError(f"{signature_name} lists no v1 signature", reason="invalid-signature")
    return signed


def check_timestamp(signed: SignedHeaders, now: float) -> None:
    """Refuse a delivery whose timestamp is more than 5 minutes from `now` (Unix seconds).

    The same window the `svix` library applies after reading the body; checked first, so a
    replayed or made-up delivery holds no part of the body budget (`api/bodies.py`).
    """
    name = signed.names[1]
    if int(signed.timestamp) < now - TOLERANCE_SECONDS:
        raise WebhookError(f"{name} is too old", reason="stale-timestamp")
    if int(signed.timestamp) > now + TOLERANCE_SECONDS:
        raise WebhookError(f"{name} is too new", reason="stale-timestamp")


def verify_webhook(body: bytes, headers: Mapping[str, str], secret: str) -> Any:
    """Check the Svix signature (±5 minutes) over the raw body; return the decoded JSON.

    The headers are svix-* or webhook-* (see `signed_headers`). The signature header may list
    several space-separated signatures (Clerk sends two while a secret is rotated); the `svix`
    library accepts the delivery when any one of them matches.
    """
    signed = signed_headers(headers)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookError("Body is not UTF-8 JSON", reason="invalid-json") from None
    # Only the chosen set, under svix's own names: svix verifies exactly what was checked.
    chosen = dict(
        zip(SVIX_HEADERS, (signed.msg_id, signed.timestamp, signed.signature), strict=True)
    )
    try:
        Webhook(secret).verify(text, chosen)
    except WebhookVerificationError as exc:
        reason = "stale-timestamp" if "timestamp" in str(exc).lower() else "invalid-signature"
        raise WebhookError(f"Webhook verification failed: {exc}", reason=reason) from None
    except (ValueError, TypeError, OverflowError):
        # svix parses the signature list itself: "abc" or "v1abc" raise ValueError there.
        raise WebhookError(
            f"Webhook verification failed: malformed {signed.names[2]}",
            reason="invalid-signature",
        ) from None
    try:
        return json.loads(text)
    except ValueError:
        raise WebhookError("Body is not valid JSON", reason="invalid-json") from None


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
