"""Emulator webhook payloads and signatures: exactly what the app's own webhook checks accept."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from clerk_fullstack.core.errors import WebhookError
from clerk_fullstack.core.local_instance import new_webhook_secret
from clerk_fullstack.local_clerk.delivery import new_message_id, signed_headers
from clerk_fullstack.local_clerk.passwords import hash_password
from clerk_fullstack.local_clerk.payloads import user_data, user_deleted_event, user_event
from clerk_fullstack.local_clerk.store import LocalUser
from clerk_fullstack.webhooks.events import (
    UserCreated,
    UserDeleted,
    UserUpdated,
    parse_event,
)
from clerk_fullstack.webhooks.signatures import verify_webhook
from tests.helpers.payloads import DOCUMENTED_USER_CREATED

USER = LocalUser(
    id="user_local_1",
    email_address="ada@example.org",
    email_address_id="idn_local_1",
    first_name="Ada",
    last_name="Lovelace",
    created_at=1_700_000_000_000,
    updated_at=1_700_000_000_123,
)

pytestmark = pytest.mark.unit


def test_user_events_have_clerks_documented_keys() -> None:
    event = user_event("user.created", USER, instance_id="ins_local")
    assert set(DOCUMENTED_USER_CREATED) <= set(event)
    assert set(DOCUMENTED_USER_CREATED["data"]) <= set(event["data"])
    address = event["data"]["email_addresses"][0]
    assert set(DOCUMENTED_USER_CREATED["data"]["email_addresses"][0]) <= set(address)


def test_password_enabled_says_whether_the_user_has_a_password() -> None:
    assert user_data(USER)["password_enabled"] is False
    with_password = replace(USER, password_hash=hash_password("correct horse battery"))
    data = user_data(with_password)
    assert data["password_enabled"] is True
    assert "scrypt" not in json.dumps(data)


@pytest.mark.parametrize("event_type", ["user.created", "user.updated"])
def test_the_app_reads_user_events(event_type: str) -> None:
    event = parse_event(user_event(event_type, USER, instance_id="ins_local"))
    assert isinstance(event, UserCreated if event_type == "user.created" else UserUpdated)
    profile = event.profile
    assert (profile.clerk_user_id, profile.email, profile.first_name, profile.last_name) == (
        "user_local_1",
        "ada@example.org",
        "Ada",
        "Lovelace",
    )
    assert profile.clerk_updated_at == USER.updated_at


def test_the_app_reads_user_deleted() -> None:
    payload = user_deleted_event("user_local_1", instance_id="ins_local")
    event = parse_event(payload)
    assert event == UserDeleted("user_local_1", deleted_at=payload["timestamp"])


def test_signed_headers_pass_the_apps_svix_verification() -> None:
    secret = new_webhook_secret()
    body = json.dumps(user_event("user.created", USER, instance_id="ins_local"))
    headers = signed_headers(secret, new_message_id(), body, datetime.now(UTC))
    assert verify_webhook(body.encode(), headers, secret)["data"]["id"] == USER.id


def test_a_different_secret_fails_verification() -> None:
    body = json.dumps(user_deleted_event("user_local_1", instance_id="ins_local"))
    headers = signed_headers(new_webhook_secret(), new_message_id(), body, datetime.now(UTC))
    with pytest.raises(WebhookError) as caught:
        verify_webhook(body.encode(), headers, new_webhook_secret())
    assert caught.value.reason == "invalid-signature"


def test_signatures_carry_the_attempt_time() -> None:
    secret = new_webhook_secret()
    sent_at = datetime.now(UTC) - timedelta(minutes=6)
    headers = signed_headers(secret, new_message_id(), "{}", sent_at)
    assert headers["svix-timestamp"] == str(int(sent_at.timestamp()))
    with pytest.raises(WebhookError) as caught:
        verify_webhook(b"{}", headers, secret)
    assert caught.value.reason == "stale-timestamp"
