"""Pure checks for Clerk's webhook deliveries: the svix-* (or Standard Webhooks webhook-*)
headers, the timestamp window, and the Svix signature over the raw body, by the `svix` library.

Reading what a verified payload says is `webhooks/events.py`, which needs no `svix`: the sync
command and the missing-user fetch read Clerk's user objects too, and start faster without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from svix.webhooks import Webhook, WebhookVerificationError

from clerk_fullstack.core.errors import WebhookError

SVIX_HEADERS = ("svix-id", "svix-timestamp", "svix-signature")
STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
"""The Standard Webhooks names for the same three values."""
SVIX_ID = re.compile(r"[\x21-\x7e]{1,256}")
"""Printable ASCII, bounded: the id is logged, and Svix's are about 30 characters."""
SVIX_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SVIX_SIGNATURE_MAX = 4096
V1_SIGNATURE = re.compile(r"v1,[A-Za-z0-9+/]{43}=")
"""One `v1` entry as Svix writes it: base64 of an HMAC-SHA256. Other entries never match."""
TOLERANCE_SECONDS = 5 * 60
"""How far a delivery's timestamp may be from the server's clock (the `svix` library's window)."""


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
        raise WebhookError(
            f"{signature_name} has no well-formed v1 signature (v1,<base64 of an HMAC-SHA256>)",
            reason="invalid-signature",
        )
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
    return verify_signed(body, signed_headers(headers), secret)


def verify_signed(body: bytes, signed: SignedHeaders, secret: str) -> Any:
    """`verify_webhook` with the headers already read by `signed_headers` (once per request)."""
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
