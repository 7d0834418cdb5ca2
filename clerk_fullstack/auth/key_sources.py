"""Where token signing keys come from: a PEM from settings, or Clerk's JWKS with a cache."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from clerk_fullstack.errors import KeysUnavailableError, TokenVerificationError, clip
from clerk_fullstack.errors import TokenErrorReason as Reason

logger = logging.getLogger(__name__)

JWKS_CACHE_SECONDS = 300.0
"""How long a fetched JWKS is trusted before it is fetched again (Clerk's SDKs use 5 minutes)."""
MIN_REFRESH_INTERVAL_SECONDS = 10.0
"""Unknown `kid`s refetch at most once per this interval, so made-up kids can't flood Clerk."""


class KeySource(Protocol):
    """Finds the public key that verifies a token with the given `kid`."""

    async def get_key(self, kid: str | None) -> RSAPublicKey: ...


class StaticKeySource:
    """One key given up front (CLERK_JWT_KEY): networkless, trusted for any `kid`."""

    def __init__(self, key: RSAPublicKey) -> None:
        self._key = key

    async def get_key(self, kid: str | None) -> RSAPublicKey:
        """Return the configured key."""
        return self._key


def parse_jwks(document: object) -> dict[str, RSAPublicKey]:
    """Map `kid` to RSA public key for every RS256 signing key in a JWKS document."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("JWKS has no 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or "kid" not in jwk:
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        if isinstance(key, RSAPublicKey):
            keys[str(jwk["kid"])] = key
    return keys


class JWKSKeySource:
    """Keys from `{CLERK_API_URL}/v1/jwks`, cached, refetched on an unknown `kid` (rate-limited)."""

    def __init__(
        self,
        url: str,
        secret_key: str | None,
        *,
        cache_seconds: float = JWKS_CACHE_SECONDS,
        min_refresh_interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self._headers = {"Authorization": f"Bearer {secret_key}"} if secret_key else {}
        self._cache_seconds = cache_seconds
        self._min_refresh_interval = (
            MIN_REFRESH_INTERVAL_SECONDS if min_refresh_interval is None else min_refresh_interval
        )
        self._clock = clock
        self._transport = transport
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    async def get_key(self, kid: str | None) -> RSAPublicKey:
        """Return the key for `kid`, fetching the JWKS when stale or when `kid` is unknown."""
        if kid is None:
            raise TokenVerificationError(Reason.TOKEN_INVALID, "Token header has no 'kid'")
        if self._is_fresh() and (key := self._keys.get(kid)) is not None:
            return key
        async with self._lock:
            # Another request may have refreshed while this one waited for the lock.
            if not (self._is_fresh() and kid in self._keys) and self._may_attempt():
                await self._refresh()
        key = self._keys.get(kid)
        if key is not None:
            return key
        if not self._keys:
            raise KeysUnavailableError(
                Reason.JWK_REMOTE_FAILED_TO_LOAD, "Signing keys could not be loaded"
            )
        raise TokenVerificationError(
            Reason.JWK_KID_MISMATCH, f"No signing key matches kid {clip(kid)}"
        )

    def _is_fresh(self) -> bool:
        return (
            self._fetched_at is not None and self._clock() - self._fetched_at < self._cache_seconds
        )

    def _may_attempt(self) -> bool:
        return (
            self._attempted_at is None
            or self._clock() - self._attempted_at >= self._min_refresh_interval
        )

    async def _refresh(self) -> None:
        self.fetch_count += 1
        self._attempted_at = self._clock()
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=5.0) as client:
                response = await client.get(self.url, headers=self._headers)
            response.raise_for_status()
            keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            # The last good keys stay in use until a later attempt succeeds.
            logger.warning("JWKS fetch from %s failed: %s", self.url, exc)
            if not self._keys:
                reason = (
                    Reason.JWK_REMOTE_INVALID
                    if isinstance(exc, ValueError)
                    else Reason.JWK_REMOTE_FAILED_TO_LOAD
                )
                raise KeysUnavailableError(reason, "Signing keys could not be loaded") from None
            return
        if not keys:
            logger.warning("JWKS from %s holds no RS256 signing keys", self.url)
        self._keys = keys
        self._fetched_at = self._attempted_at
