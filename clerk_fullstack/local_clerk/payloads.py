"""User events in Clerk's webhook payload shape (`user.created`, `user.updated`, `user.deleted`)."""

from __future__ import annotations

from typing import Any

from clerk_fullstack.local_clerk.store import LocalUser, now_ms


def user_data(user: LocalUser) -> dict[str, Any]:
    """The `data` of a `user.created`/`user.updated` event: a Clerk User object."""
    return {
        "backup_code_enabled": False,
        "banned": False,
        "birthday": "",
        "created_at": user.created_at,
        "email_addresses": [
            {
                "email_address": user.email_address,
                "id": user.email_address_id,
                "linked_to": [],
                "object": "email_address",
                "reserved": False,
                "verification": {
                    "attempts": None,
                    "expire_at": None,
                    "status": "verified",
                    "strategy": "email_code",
                },
            }
        ],
        "external_accounts": [],
        "external_id": None,
        "first_name": user.first_name,
        "gender": "",
        "has_image": False,
        "id": user.id,
        "image_url": "",
        "last_name": user.last_name,
        "last_sign_in_at": user.last_sign_in_at,
        "locked": False,
        "object": "user",
        "password_enabled": user.password_hash is not None,
        "phone_numbers": [],
        "primary_email_address_id": user.email_address_id,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "private_metadata": {},
        "profile_image_url": "",
        "public_metadata": {},
        "two_factor_enabled": False,
        "unsafe_metadata": {},
        "updated_at": user.updated_at,
        "username": None,
        "web3_wallets": [],
    }


def user_event(
    event_type: str, user: LocalUser, *, instance_id: str, user_agent: str = ""
) -> dict[str, Any]:
    """A `user.created` or `user.updated` event as Clerk sends it."""
    return {
        "data": user_data(user),
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": user_agent}},
        "instance_id": instance_id,
        "object": "event",
        "timestamp": now_ms(),
        "type": event_type,
    }


def user_deleted_event(user_id: str, *, instance_id: str, user_agent: str = "") -> dict[str, Any]:
    """A `user.deleted` event as Clerk sends it (a deleted-object stub, no timestamps)."""
    return {
        "data": {"deleted": True, "id": user_id, "object": "user"},
        "event_attributes": {"http_request": {"client_ip": "127.0.0.1", "user_agent": user_agent}},
        "instance_id": instance_id,
        "object": "event",
        "timestamp": now_ms(),
        "type": "user.deleted",
    }
