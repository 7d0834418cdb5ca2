"""The stand-in's generated secrets: its RSA signing key, secret key and webhook secret.

Each is created on first use and kept in the local data folder, so tokens and webhooks stay
valid across restarts, hot reloads and the several processes `reflex run` starts.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

SIGNING_KEY_FILE = "signing_key.pem"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
WEBHOOK_SECRET_FILE = "webhook_secret"  # noqa: S105 - a file name


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (across processes) while the block runs."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_private(path: Path, content: bytes) -> None:
    """Write `content` readable by the owner only, replacing `path` atomically."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    tmp.replace(path)


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's content, created with `make()` the first time (safe across processes)."""
    with locked(path.parent):
        if not path.exists():
            write_private(path, make())
        return path.read_bytes()


def new_secret_key() -> str:
    """A secret key shaped like Clerk's development ones (`sk_test_…`)."""
    return f"sk_test_{secrets.token_urlsafe(32)}"


def new_webhook_secret() -> str:
    """A Svix signing secret: `whsec_` + base64 of 24 random bytes, as Svix generates."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def read_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """A text secret kept in `path`, generated on first use."""
    return read_or_create(path, lambda: make().encode()).decode().strip()


@dataclass(frozen=True)
class LocalSigningKey:
    """The RSA key the stand-in signs session tokens with, and its `kid`."""

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
        """The private key as PKCS#8 PEM, the form PyJWT signs with."""
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
    """The stand-in's signing key from `directory`, generated on first run."""
    pem = read_or_create(directory / SIGNING_KEY_FILE, new_private_key_pem)
    return LocalSigningKey.from_pem(pem)
