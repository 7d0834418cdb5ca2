"""Clerk webhook payloads, starting from Clerk's documented `user.created` example."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DOCUMENTED_USER_CREATED: dict[str, Any] = json.loads(
    (Path(__file__).with_name("clerk_user_created.json")).read_text()
)
"""Clerk's example `user.created` event, as its webhook docs show it."""
EXAMPLE_USER_ID = DOCUMENTED_USER_CREATED["data"]["id"]


def user_event(
    event_type: str,
    user_id: str = EXAMPLE_USER_ID,
    *,
    updated_at: int = 1654012591835,
    email: str | None = "example@example.org",
    first_name: str | None = "Example",
    last_name: str | None = "Example",
) -> dict[str, Any]:
    """A `user.created` or `user.updated` event shaped like the documented example."""
    event = copy.deepcopy(DOCUMENTED_USER_CREATED)
    event["type"] = event_type
    data = event["data"]
    data.update(id=user_id, updated_at=updated_at, first_name=first_name, last_name=last_name)
    if email is None:
        data["email_addresses"] = []
        data["primary_email_address_id"] = None
    else:
        data["email_addresses"][0]["email_address"] = email
    return event


def user_created(user_id: str = EXAMPLE_USER_ID, **fields: Any) -> dict[str, Any]:
    """A `user.created` event."""
    return user_event("user.created", user_id, **fields)


def user_updated(user_id: str = EXAMPLE_USER_ID, **fields: Any) -> dict[str, Any]:
    """A `user.updated` event."""
    return user_event("user.updated", user_id, **fields)


def user_deleted(user_id: str = EXAMPLE_USER_ID) -> dict[str, Any]:
    """A `user.deleted` event, as Clerk sends it (no timestamps in `data`)."""
    return {
        "data": {"deleted": True, "id": user_id, "object": "user"},
        "object": "event",
        "timestamp": 1661861640000,
        "type": "user.deleted",
    }
