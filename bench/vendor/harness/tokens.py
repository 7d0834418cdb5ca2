# Copied from ../shared/baseline/bench/tokens.py (baseline harness).
# Changes: ruff format/lint fixes only, unless a '# bench:' comment says otherwise.
"""Mint Clerk v2-shaped session tokens (RS256) offline.

Header: {"alg": "RS256", "kid": <kid>, "typ": "JWT"}
Claims: {azp, exp, iat, nbf, iss, sid, sub, v: 2, fva: [0, -1]}
(Real Clerk v2 tokens also carry "jti" and sometimes "sts"/"o"; verifiers ignore them.)
"""

from __future__ import annotations

import secrets
import time

import jwt  # PyJWT
from keys import AZP, ISSUER


def new_session_id() -> str:
    return "sess_" + secrets.token_hex(13)


def session_claims(
    sub: str,
    *,
    now: int | None = None,
    ttl: int = 600,
    sid: str | None = None,
    iss: str = ISSUER,
    azp: str = AZP,
) -> dict:
    now = int(time.time()) if now is None else int(now)
    return {
        "azp": azp,
        "exp": now + ttl,
        "iat": now,
        "nbf": now - 5,
        "iss": iss,
        "sid": sid or new_session_id(),
        "sub": sub,
        "v": 2,
        "fva": [0, -1],
    }


def mint(private_pem: str, kid: str, sub: str, **kw) -> str:
    claims = session_claims(sub, **kw)
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})


def mint_claims(private_pem: str, kid: str, claims: dict) -> str:
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})
