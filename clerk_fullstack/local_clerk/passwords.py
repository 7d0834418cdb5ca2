"""Password hashes for the emulator's users: scrypt from the standard library, salted."""

from __future__ import annotations

import base64
import hashlib
import secrets

MIN_LENGTH = 8
"""Clerk's default minimum; the environment tells Clerk's UI the same."""
MAX_LENGTH = 72
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """`scrypt$<salt>$<hash>`, both base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "scrypt$" + "$".join(base64.b64encode(part).decode() for part in (salt, digest))


def check_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches a hash from `hash_password` (False for a user without one)."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    try:
        salt, digest = (base64.b64decode(part) for part in stored.split("$")[1:3])
    except ValueError:
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return secrets.compare_digest(candidate, digest)
