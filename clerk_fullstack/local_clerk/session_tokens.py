"""Session tokens in Clerk's v2 shape, signed with the emulator's key."""

from __future__ import annotations

import secrets
import time

import jwt

from clerk_fullstack.core.settings import CLERK_SESSION_TOKEN_SECONDS
from clerk_fullstack.local_clerk.signing_key import LocalSigningKey

NOT_BEFORE_SKEW_SECONDS = 10
"""Clerk back-dates `nbf` by 10 seconds to absorb clock skew."""
SESSION_TOKEN_CATEGORY = "cl_B7d4PD111AAA"  # noqa: S105 - a category name, not a secret
"""The header's `cat` on session tokens (`@clerk/backend`'s JWT_CATEGORY_SESSION_TOKEN)."""


def issue_session_token(
    key: LocalSigningKey,
    *,
    user_id: str,
    session_id: str,
    issuer: str,
    authorized_party: str,
    session_started_at: int,
    now: int | None = None,
    lifetime: int = CLERK_SESSION_TOKEN_SECONDS,
) -> str:
    """A signed RS256 session token carrying Clerk's v2 claims for one session."""
    iat = int(time.time()) if now is None else now
    minutes_since_sign_in = max(0, (iat - session_started_at) // 60)
    claims = {
        "azp": authorized_party,
        "exp": iat + lifetime,
        # Minutes since the first and the second factor were verified; -1: no second factor.
        "fva": [minutes_since_sign_in, -1],
        "iat": iat,
        "iss": issuer,
        "jti": secrets.token_hex(10),
        "nbf": iat - NOT_BEFORE_SKEW_SECONDS,
        "sid": session_id,
        "sts": "active",
        "sub": user_id,
        "v": 2,
    }
    # The key object, not its PEM: PyJWT would parse (and check) a PEM again on every call.
    return jwt.encode(
        claims,
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid, "typ": "JWT", "cat": SESSION_TOKEN_CATEGORY},
    )
