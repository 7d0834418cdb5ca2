"""The Frontend API's objects, in the JSON shapes `@clerk/shared`'s types name (`json.d.mts`).

Timestamps are milliseconds, as Clerk's are.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from typing import Any

from clerk_fullstack.local_clerk.sessions import IDLE_EXPIRY_SECONDS
from clerk_fullstack.local_clerk.store import (
    LocalClient,
    LocalSession,
    LocalUser,
    Records,
    SignInAttempt,
    SignUpAttempt,
)

TokenMinter = Callable[[LocalSession, LocalUser], str]
"""Mints a fresh token for a session (the emulator's key, the caller's origin as `azp`)."""
_PALETTE = ("#6c47ff", "#0e7490", "#b45309", "#be123c", "#15803d", "#4338ca")


def avatar_url(user: LocalUser) -> str:
    """An initials avatar as a `data:` URL: it loads offline; Clerk's UI needs a loadable URL."""
    initials = (
        "".join(part[0].upper() for part in (user.first_name, user.last_name) if part)
        or user.email_address[:1].upper()
    )
    color = _PALETTE[sum(map(ord, user.id)) % len(_PALETTE)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128">'
        f'<rect width="128" height="128" fill="{color}"/>'
        '<text x="50%" y="50%" dy=".35em" text-anchor="middle" font-family="sans-serif" '
        f'font-size="52" fill="#fff">{html.escape(initials[:2])}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def verified(strategy: str) -> dict[str, Any]:
    """A verification that succeeded."""
    return {
        "object": "verification",
        "status": "verified",
        "strategy": strategy,
        "attempts": 1,
        "expire_at": None,
        "error": None,
    }


def email_address_json(user: LocalUser) -> dict[str, Any]:
    """The user's one email address, verified at sign-up."""
    return {
        "object": "email_address",
        "id": user.email_address_id,
        "email_address": user.email_address,
        "reserved": False,
        "verification": verified("email_code"),
        "linked_to": [],
        "matches_sso_connection": False,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def user_json(user: LocalUser) -> dict[str, Any]:
    """The signed-in user as clerk-js reads it (`UserJSON`)."""
    return {
        "object": "user",
        "id": user.id,
        "external_id": None,
        "primary_email_address_id": user.email_address_id,
        "primary_phone_number_id": None,
        "primary_web3_wallet_id": None,
        "image_url": avatar_url(user),
        "has_image": False,
        "username": None,
        "email_addresses": [email_address_json(user)],
        "phone_numbers": [],
        "web3_wallets": [],
        "external_accounts": [],
        "enterprise_accounts": [],
        "passkeys": [],
        "organization_memberships": [],
        "saml_accounts": [],
        "password_enabled": user.password_hash is not None,
        "profile_image_id": None,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "totp_enabled": False,
        "backup_code_enabled": False,
        "two_factor_enabled": False,
        "public_metadata": {},
        "unsafe_metadata": {},
        "last_sign_in_at": user.last_sign_in_at,
        "create_organization_enabled": False,
        "create_organizations_limit": None,
        "delete_self_enabled": True,
        "legal_accepted_at": None,
        "timezone": None,
        "updated_at": user.updated_at,
        "created_at": user.created_at,
    }


def public_user_data(user: LocalUser) -> dict[str, Any]:
    """What a session shows of its user without the whole user."""
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": avatar_url(user),
        "has_image": False,
        "identifier": user.email_address,
        "user_id": user.id,
    }


def session_json(
    session: LocalSession, user: LocalUser, mint: TokenMinter, *, status: str = "active"
) -> dict[str, Any]:
    """A session with a fresh token (`SessionJSON`)."""
    last_active_ms = (session.last_active_at or session.created_at) * 1000
    minutes = max(0, (int(last_active_ms / 1000) - session.created_at) // 60)
    return {
        "object": "session",
        "id": session.id,
        "status": status,
        "expire_at": last_active_ms + IDLE_EXPIRY_SECONDS * 1000,
        "abandon_at": session.created_at * 1000 + 30 * 24 * 3600 * 1000,
        "last_active_at": last_active_ms,
        "last_active_token": {"object": "token", "jwt": mint(session, user)}
        if status == "active"
        else None,
        "last_active_organization_id": None,
        "actor": None,
        "tasks": None,
        "factor_verification_age": [minutes, -1],
        "user": user_json(user),
        "public_user_data": public_user_data(user),
        "created_at": session.created_at * 1000,
        "updated_at": last_active_ms,
    }


def sign_up_json(attempt: SignUpAttempt) -> dict[str, Any]:
    """A sign-up in progress (`SignUpJSON`)."""
    missing = [
        name
        for name, value in (
            ("email_address", attempt.email_address),
            ("password", attempt.password_hash),
        )
        if not value
    ]
    email_verified = attempt.verification_status == "verified"
    complete = attempt.created_session_id is not None
    prepared = attempt.verification_expire_at is not None
    return {
        "object": "sign_up",
        "id": attempt.id,
        "status": "complete" if complete else "missing_requirements",
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name"],
        "missing_fields": missing,
        "unverified_fields": []
        if email_verified or not attempt.email_address
        else ["email_address"],
        "username": None,
        "first_name": attempt.first_name,
        "last_name": attempt.last_name,
        "email_address": attempt.email_address,
        "phone_number": None,
        "web3_wallet": None,
        "external_account_strategy": None,
        "external_account": None,
        "has_password": attempt.password_hash is not None,
        "unsafe_metadata": {},
        "created_session_id": attempt.created_session_id,
        "created_user_id": attempt.created_user_id,
        "abandon_at": attempt.created_at + 24 * 3600 * 1000,
        "legal_accepted_at": None,
        "locale": None,
        "timezone": None,
        "verifications": {
            "email_address": {
                "object": "verification",
                "status": attempt.verification_status,
                "strategy": "email_code",
                "attempts": attempt.attempts if prepared else None,
                "expire_at": attempt.verification_expire_at,
                "next_action": ""
                if email_verified
                else ("needs_attempt" if prepared else "needs_prepare"),
                "supported_strategies": ["email_code"],
                "error": None,
            }
            if attempt.email_address
            else None,
            "phone_number": None,
            "web3_wallet": None,
            "external_account": None,
        },
    }


def first_factors(user: LocalUser) -> list[dict[str, Any]]:
    """The ways `user` can sign in: password (when set) and a code sent to the email address."""
    factors: list[dict[str, Any]] = []
    if user.password_hash is not None:
        factors.append({"strategy": "password"})
    factors.append(
        {
            "strategy": "email_code",
            "safe_identifier": user.email_address,
            "email_address_id": user.email_address_id,
            "primary": True,
        }
    )
    return factors


def sign_in_json(attempt: SignInAttempt, user: LocalUser | None) -> dict[str, Any]:
    """A sign-in in progress (`SignInJSON`)."""
    verification = (
        {
            "object": "verification",
            "status": attempt.verification_status,
            "strategy": attempt.strategy,
            "attempts": attempt.attempts,
            "expire_at": attempt.verification_expire_at,
            "error": None,
        }
        if attempt.strategy
        else None
    )
    return {
        "object": "sign_in",
        "id": attempt.id,
        "status": "complete" if attempt.created_session_id else "needs_first_factor",
        "supported_identifiers": ["email_address"],
        "identifier": attempt.identifier,
        "supported_first_factors": first_factors(user) if user else [],
        "supported_second_factors": None,
        "first_factor_verification": verification,
        "second_factor_verification": None,
        "user_data": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "image_url": avatar_url(user),
            "has_image": False,
        }
        if user
        else None,
        "created_session_id": attempt.created_session_id,
        "abandon_at": attempt.created_at + 24 * 3600 * 1000,
    }


def client_json(client: LocalClient, records: Records, mint: TokenMinter) -> dict[str, Any]:
    """The browser's client: its sessions (each with a fresh token) and any attempt in progress."""
    sessions = [
        session_json(session, records.users[session.user_id], mint)
        for session in records.sessions_of(client)
        if session.user_id in records.users
    ]
    sign_in = client.sign_in
    return {
        "object": "client",
        "id": client.id,
        "sessions": sessions,
        "sign_up": sign_up_json(client.sign_up) if client.sign_up else None,
        "sign_in": sign_in_json(sign_in, records.users.get(sign_in.user_id)) if sign_in else None,
        "last_active_session_id": client.last_active_session_id,
        "last_authentication_strategy": client.last_authentication_strategy,
        "captcha_bypass": False,
        "cookie_expires_at": None,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }
