"""The emulator's RSA signing key: generated on first run, kept, and published as a JWKS."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from clerk_fullstack.core.files import read_or_create

SIGNING_KEY_FILE = "signing_key.pem"


@dataclass(frozen=True)
class LocalSigningKey:
    """The RSA key the emulator signs session tokens with, and its `kid`."""

    private_key: rsa.RSAPrivateKey
    kid: str
    """Clerk uses the instance id (`ins_…`) as the `kid`; here it comes from the key itself."""

    @classmethod
    def from_pem(cls, pem: bytes) -> LocalSigningKey:
        """Load a PKCS#8 PEM private key and derive its `kid`."""
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the local Clerk signing key is not an RSA key")
        return cls(private_key=key, kid=f"ins_{jwk_thumbprint(key.public_key())[:27]}")

    @property
    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM, as it is kept in the data folder."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK, as Clerk's JWKS lists it."""
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": jwk["n"],
            "e": jwk["e"],
        }

    def jwks(self) -> dict[str, Any]:
        """The JWKS document published at `/v1/jwks`."""
        return {"keys": [self.jwk()]}


def jwk_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 thumbprint of an RSA public key, base64url without padding."""
    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_private_key_pem() -> bytes:
    """A fresh RSA-2048 private key as PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_signing_key(directory: Path) -> LocalSigningKey:
    """The emulator's signing key from `directory`, generated on first run."""
    return parsed_signing_key(read_or_create(directory / SIGNING_KEY_FILE, new_private_key_pem))


@functools.lru_cache(maxsize=8)
def parsed_signing_key(pem: bytes) -> LocalSigningKey:
    """`LocalSigningKey.from_pem`, once per key in a process: parsing checks the RSA key, about
    50 ms of CPU, and the same file is read again by each emulator made in the process."""
    return LocalSigningKey.from_pem(pem)
