"""parse_event and user_profile: Clerk's payloads read, without a server."""

from __future__ import annotations

import pytest

from clerk_fullstack.core.errors import WebhookError
from clerk_fullstack.webhooks.events import (
    OtherEvent,
    UserCreated,
    UserDeleted,
    parse_event,
)
from clerk_fullstack.webhooks.signatures import verify_webhook
from tests.helpers.payloads import DOCUMENTED_USER_CREATED, user_created, user_deleted
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET, signed_webhook

pytestmark = pytest.mark.unit


def test_documented_example_parses() -> None:
    body, headers = signed_webhook(DOCUMENTED_USER_CREATED)
    event = parse_event(verify_webhook(body, headers, TEST_WEBHOOK_SECRET))
    assert isinstance(event, UserCreated)
    assert event.profile.clerk_user_id == "user_29w83sxmDNGwOuEthce5gg56FcC"
    assert event.profile.email == "example@example.org"
    assert event.profile.first_name == "Example"
    assert event.profile.clerk_updated_at == 1654012591835


def test_phone_only_user_has_no_email() -> None:
    event = parse_event(user_created(email=None, first_name=None, last_name=None))
    assert isinstance(event, UserCreated)
    assert (event.profile.email, event.profile.first_name) == (None, None)


def test_email_is_the_primary_one() -> None:
    payload = user_created()
    payload["data"]["email_addresses"].insert(
        0, {"id": "idn_other", "email_address": "secondary@example.org"}
    )
    event = parse_event(payload)
    assert isinstance(event, UserCreated)
    assert event.profile.email == "example@example.org"


def test_deleted_and_other_events() -> None:
    deleted = user_deleted("user_x")
    assert parse_event(deleted) == UserDeleted("user_x", deleted_at=deleted["timestamp"])
    assert parse_event({"type": "session.created", "data": {}}) == OtherEvent("session.created")


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"data": {}},
        {"type": "user.created"},
        {"type": "user.created", "data": {"updated_at": 1}},
        {"type": "user.updated", "data": {"id": "user_x"}},
        {"type": "user.created", "data": {"id": "user_x", "updated_at": "yesterday"}},
        {"type": "user.deleted", "data": {}},
    ],
)
def test_payloads_missing_fields_are_rejected(payload: object) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_event(payload)
    assert caught.value.reason == "invalid-payload"
