# Copied from ../shared/baseline/bench/webhooks.py (baseline harness).
# Changes: ruff format/lint fixes only, unless a '# bench:' comment says otherwise.
"""Realistic Clerk webhook envelopes, signed with the svix library (as Clerk/Svix does)."""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import UTC, datetime

from svix.webhooks import Webhook

FIRST = [
    "John",
    "Jane",
    "Alex",
    "Maria",
    "Wei",
    "Aisha",
    "Carlos",
    "Olga",
    "Kenji",
    "Fatima",
    "Liam",
    "Noor",
    "Ivan",
    "Sofia",
    "Tariq",
    "Emma",
    "Raj",
    "Chloe",
    "Mateo",
    "Yuki",
]
LAST = [
    "Doe",
    "Smith",
    "Garcia",
    "Chen",
    "Okafor",
    "Novak",
    "Tanaka",
    "Silva",
    "Khan",
    "Müller",
    "Rossi",
    "Kim",
    "Dubois",
    "Nowak",
    "Haddad",
    "Costa",
    "Berg",
    "Singh",
    "Ivanova",
    "Lopez",
]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def clerk_id(prefix: str, n: int = 27) -> str:
    # Clerk ids look like 'user_2iZO00fCgCdXZBMcKjeHQglTWpg' (27 base62 chars after the prefix)
    return prefix + "_" + "".join(secrets.choice(_B62) for _ in range(n))


def user_data(
    user_id: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    now_ms: int | None = None,
    rnd: random.Random | None = None,
) -> dict:
    rnd = rnd or random
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    first_name = first_name or rnd.choice(FIRST)
    last_name = last_name or rnd.choice(LAST)
    email_id = clerk_id("idn")
    email = email or f"{first_name.lower()}.{user_id[-10:].lower()}@example.com"
    return {
        "backup_code_enabled": False,
        "banned": False,
        "birthday": "",
        "create_organization_enabled": True,
        "created_at": now_ms,
        "delete_self_enabled": True,
        "email_addresses": [
            {
                "created_at": now_ms - 20,
                "email_address": email,
                "id": email_id,
                "linked_to": [],
                "object": "email_address",
                "reserved": False,
                "updated_at": now_ms - 10,
                "verification": {
                    "attempts": None,
                    "expire_at": None,
                    "status": "verified",
                    "strategy": "from_oauth_google",
                },
            }
        ],
        "external_accounts": [],
        "external_id": None,
        "first_name": first_name,
        "gender": "",
        "has_image": True,
        "id": user_id,
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoicHJveHkiLCJzcmMiOiJodHRwczovL2ltYWdlcy5jbGVyay5kZXYvb2F1dGhfZ29vZ2xlL2ltZ18yaVpPMDEifQ",
        "last_active_at": now_ms,
        "last_name": last_name,
        "last_sign_in_at": None,
        "locked": False,
        "lockout_expires_in_seconds": None,
        "object": "user",
        "passkeys": [],
        "password_enabled": False,
        "phone_numbers": [],
        "primary_email_address_id": email_id,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "private_metadata": {},
        "profile_image_url": "https://images.clerk.dev/oauth_google/img_2iZO01",
        "public_metadata": {},
        "saml_accounts": [],
        "totp_enabled": False,
        "two_factor_enabled": False,
        "unsafe_metadata": {},
        "updated_at": now_ms,
        "username": None,
        "verification_attempts_remaining": 100,
        "web3_wallets": [],
    }


def envelope(
    event_type: str, data: dict, *, now_ms: int | None = None, instance_id: str | None = None
) -> dict:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    return {
        "data": data,
        "event_attributes": {"http_request": {"client_ip": "", "user_agent": ""}},
        "instance_id": instance_id or "ins_2benchBENCHbenchBENCHbench0",
        "object": "event",
        "timestamp": now_ms,
        "type": event_type,
    }


def sign(secret: str, body: str, *, msg_id: str | None = None, ts: datetime | None = None) -> dict:
    """Return svix headers for body (a str; signed exactly as sent)."""
    msg_id = msg_id or clerk_id("msg")
    ts = ts or datetime.now(tz=UTC)
    sig = Webhook(secret).sign(msg_id, ts, body)
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(int(ts.timestamp())),
        "svix-signature": sig,
    }


def signed_event(secret: str, event_type: str, data: dict, **kw) -> tuple[bytes, dict]:
    body = json.dumps(envelope(event_type, data, **kw), separators=(",", ":"), ensure_ascii=False)
    headers = {"content-type": "application/json"}
    headers.update(sign(secret, body))
    return body.encode("utf-8"), headers
