"""signed_headers, check_timestamp, verify_webhook and verify_signed: Svix's checks, without a
server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clerk_fullstack.core.errors import WebhookError
from clerk_fullstack.webhooks.signatures import (
    check_timestamp,
    signed_headers,
    verify_signed,
    verify_webhook,
)
from tests.helpers.payloads import user_created
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET, signed_webhook

pytestmark = pytest.mark.unit


def test_verification_reasons() -> None:
    body, headers = signed_webhook(user_created())
    with pytest.raises(WebhookError, match="svix-signature"):
        verify_webhook(
            body, {k: v for k, v in headers.items() if k != "svix-signature"}, TEST_WEBHOOK_SECRET
        )
    with pytest.raises(WebhookError) as caught:
        verify_webhook(body + b" ", headers, TEST_WEBHOOK_SECRET)
    assert caught.value.reason == "invalid-signature"
    old_body, old_headers = signed_webhook(user_created(), age=timedelta(minutes=6))
    with pytest.raises(WebhookError) as caught:
        verify_webhook(old_body, old_headers, TEST_WEBHOOK_SECRET)
    assert caught.value.reason == "stale-timestamp"
    future_body, future_headers = signed_webhook(user_created(), age=timedelta(minutes=-6))
    with pytest.raises(WebhookError) as caught:
        verify_webhook(future_body, future_headers, TEST_WEBHOOK_SECRET)
    assert caught.value.reason == "stale-timestamp"
    junk_body, junk_headers = signed_webhook(b"not json")
    with pytest.raises(WebhookError) as caught:
        verify_webhook(junk_body, junk_headers, TEST_WEBHOOK_SECRET)
    assert caught.value.reason == "invalid-json"


def test_webhook_header_names_verify_and_any_listed_signature_matches() -> None:
    body, headers = signed_webhook(user_created(), prefix="webhook")
    assert verify_webhook(body, headers, TEST_WEBHOOK_SECRET)["type"] == "user.created"
    rotated = {**headers, "webhook-signature": f"v1,AAAA {headers['webhook-signature']}"}
    assert verify_webhook(body, rotated, TEST_WEBHOOK_SECRET)["type"] == "user.created"
    with pytest.raises(WebhookError) as caught:
        verify_webhook(
            body, {**headers, "webhook-signature": "v1,AAAA v1,BBBB"}, TEST_WEBHOOK_SECRET
        )
    assert caught.value.reason == "invalid-signature"


def test_signed_headers_come_from_one_set_svix_first() -> None:
    _, svix = signed_webhook(b"{}", msg_id="msg_svix")
    _, standard = signed_webhook(b"{}", msg_id="msg_std", prefix="webhook")
    assert signed_headers(standard).msg_id == "msg_std"
    assert signed_headers({**standard, **svix}).msg_id == "msg_svix"
    with pytest.raises(WebhookError, match="svix-timestamp, svix-signature"):
        signed_headers({**standard, "svix-id": "msg_svix"})
    with pytest.raises(WebhookError, match="svix-id") as caught:
        signed_headers({**standard, "svix-id": ""})
    assert caught.value.reason == "missing-headers"


def test_a_signature_list_without_a_v1_signature_is_malformed() -> None:
    _, headers = signed_webhook(b"{}")
    current = headers["svix-signature"]
    assert signed_headers({**headers, "svix-signature": f"v1a,AAAA junk {current}"})
    for listed in ("v1,AAAA", "v2," + current[3:], current + "=", current.replace(",", ", ")):
        with pytest.raises(WebhookError, match="has no well-formed v1 signature") as caught:
            signed_headers({**headers, "svix-signature": listed})
        assert caught.value.reason == "invalid-signature"


def test_the_timestamp_window_is_checked_without_the_body() -> None:
    _, headers = signed_webhook(b"{}", prefix="webhook")
    signed = signed_headers(headers)
    sent = int(signed.timestamp)
    for now in (sent - 300, sent, sent + 300):
        check_timestamp(signed, now)
    for now, word in ((sent - 301, "new"), (sent + 301, "old")):
        with pytest.raises(WebhookError, match=f"webhook-timestamp is too {word}") as caught:
            check_timestamp(signed, now)
        assert caught.value.reason == "stale-timestamp"


def test_verify_signed_takes_headers_already_read_and_checks_the_same() -> None:
    body, headers = signed_webhook(user_created())
    signed = signed_headers(headers)
    assert verify_signed(body, signed, TEST_WEBHOOK_SECRET) == verify_webhook(
        body, headers, TEST_WEBHOOK_SECRET
    )
    with pytest.raises(WebhookError) as caught:
        verify_signed(body + b" ", signed, TEST_WEBHOOK_SECRET)
    assert caught.value.reason == "invalid-signature"
