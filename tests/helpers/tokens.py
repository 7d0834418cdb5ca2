"""Mint Clerk-shaped RS256 session tokens with locally generated keys."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from clerk_fullstack.local_clerk.signing_key import LocalSigningKey

TEST_HOST = "clerk.test.example"
TEST_ISSUER = f"https://{TEST_HOST}"
TEST_FRONTEND = "http://localhost:3000"


@dataclass(frozen=True)
class SigningKey(LocalSigningKey):
    """The emulator's key class (its JWK is the one Clerk's JWKS lists), plus the public PEM."""

    @property
    def public_pem(self) -> str:
        """The public key as PEM, the form CLERK_JWT_KEY takes."""
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )


def new_signing_key(kid: str = "ins_test_key_1") -> SigningKey:
    """A fresh RSA-2048 key pair."""
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    """A JWKS document holding the given keys."""
    return {"keys": [key.jwk() for key in keys]}


def mint_token(
    key: SigningKey,
    *,
    sub: str | None = "user_test_1",
    issuer: str | None = TEST_ISSUER,
    azp: str | None = TEST_FRONTEND,
    lifetime: int = 60,
    issued_offset: int = 0,
    kid: str | None = None,
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A Clerk v2 session token; `drop` removes claims, keyword claims override or add."""
    now = int(time.time()) + issued_offset
    payload: dict[str, Any] = {
        "azp": azp,
        "exp": now + lifetime,
        "fva": [0, -1],
        "iat": now,
        "iss": issuer,
        "nbf": now - 5,
        "sid": "sess_test_1",
        "sub": sub,
        "v": 2,
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None and k not in drop}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": kid or key.kid})
