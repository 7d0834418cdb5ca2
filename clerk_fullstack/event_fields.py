"""Typed field readers for webhook payloads: a wrong type is a 400 naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clerk_fullstack.errors import WebhookError

MAX_VERSION = 2**63 - 1
"""Clerk's `updated_at` is stored as a BSON int64."""


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


def version(data: Mapping[str, Any], field: str, *, within: str = "data.") -> int:
    """A non-negative integer (not a bool, not a float) that fits BSON's int64."""
    value = data.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_VERSION:
        raise _bad(field, "is not a non-negative 64-bit integer", within=within)
    return value


def optional_version(data: Mapping[str, Any], field: str, *, within: str = "data.") -> int | None:
    """`version`, or None when the field is missing or null."""
    return None if data.get(field) is None else version(data, field, within=within)
