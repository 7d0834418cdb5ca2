"""Where token signing keys come from: a PEM from settings, or Clerk's JWKS with a cache."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from clerk_fullstack.auth.jwks import parse_jwks
from clerk_fullstack.core.errors import KeysUnavailableError, TokenVerificationError, clip
from clerk_fullstack.core.errors import TokenErrorReason as Reason
from clerk_fullstack.core.tls import client_tls

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


class JWKSKeySource:
    """Keys from `{CLERK_API_URL}/v1/jwks`, cached, refetched on an unknown `kid` (rate-limited).

    A stale cache still serves the kids it knows while one refetch runs in the background; only
    an unknown kid, or holding no keys at all, waits for a fetch.
    """

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
        self._background: asyncio.Task[None] | None = None
        self.fetch_count = 0

    async def get_key(self, kid: str | None) -> RSAPublicKey:
        """Return the key for `kid`, fetching the JWKS when stale or when `kid` is unknown."""
        if kid is None:
            raise TokenVerificationError(Reason.TOKEN_INVALID, "Token header has no 'kid'")
        key = self._keys.get(kid)
        if key is not None:
            if not self._is_fresh():
                self._refresh_in_background()
            return key
        async with self._lock:
            # Another request may have refreshed while this one waited for the lock.
            if kid not in self._keys and self._may_attempt():
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

    async def wait_idle(self) -> None:
        """Wait for a background refresh in flight, if any (tests and shutdown)."""
        if self._background is not None:
            with contextlib.suppress(Exception):
                await self._background

    def _refresh_in_background(self) -> None:
        if (self._background is None or self._background.done()) and self._may_attempt():
            self._background = asyncio.create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> None:
        async with self._lock:
            if self._is_fresh() or not self._may_attempt():
                return  # a foreground refresh got there first
            with contextlib.suppress(KeysUnavailableError):  # logged; the stale keys serve
                await self._refresh()

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
            async with httpx.AsyncClient(
                transport=self._transport, timeout=5.0, verify=client_tls()
            ) as client:
                response = await client.get(self.url, headers=self._headers)
            response.raise_for_status()
            keys = parse_jwks(response.json())
            if not keys:
                raise ValueError("JWKS holds no usable RS256 signing key")
        except (httpx.HTTPError, ValueError) as exc:
            # The last good keys stay in use until a later attempt succeeds.
            logger.warning("JWKS fetch from %s failed: %s", self.url, clip(str(exc), 120))
            if not self._keys:
                reason = (
                    Reason.JWK_REMOTE_INVALID
                    if isinstance(exc, ValueError)
                    else Reason.JWK_REMOTE_FAILED_TO_LOAD
                )
                raise KeysUnavailableError(reason, "Signing keys could not be loaded") from None
            return
        self._keys = keys
        self._fetched_at = self._attempted_at
