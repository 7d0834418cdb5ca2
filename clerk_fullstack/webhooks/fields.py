"""Typed field readers for webhook payloads: a wrong type is a 400 naming the field."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from clerk_fullstack.core.errors import WebhookError

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
