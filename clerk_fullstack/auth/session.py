"""Verify a session token with the app's configured keys: the one call routes and state make."""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection

from clerk_fullstack.auth.cache import VerifiedTokenCache
from clerk_fullstack.auth.key_sources import JWKSKeySource, KeySource, StaticKeySource
from clerk_fullstack.auth.tokens import SessionClaims, read_header, verify_token
from clerk_fullstack.core.clerk_instance import ClerkInstance, get_clerk_instance
from clerk_fullstack.core.errors import TokenErrorReason, TokenVerificationError
from clerk_fullstack.core.settings import Settings, get_settings, load_rsa_public_key

logger = logging.getLogger(__name__)


class SessionVerifier:
    """Checks tokens against one issuer, one set of authorized parties and one key source."""

    def __init__(
        self,
        key_source: KeySource,
        *,
        issuer: str,
        authorized_parties: Collection[str],
        allow_loopback: bool = False,
        cache: VerifiedTokenCache | None = None,
    ) -> None:
        self.key_source = key_source
        self.issuer = issuer
        self.authorized_parties = frozenset(authorized_parties)
        self.allow_loopback = allow_loopback
        # Per verifier: its entries are only valid for this issuer and these parties.
        self.cache = cache if cache is not None else VerifiedTokenCache()

    @classmethod
    def for_instance(cls, instance: ClerkInstance, settings: Settings) -> SessionVerifier:
        """The verifier for this Clerk instance: its PEM key if given, else its JWKS."""
        key_source: KeySource
        if instance.jwt_key:
            key_source = StaticKeySource(load_rsa_public_key(instance.jwt_key))
        else:
            key_source = JWKSKeySource(instance.jwks_url, instance.secret_key)
        return cls(
            key_source,
            issuer=instance.issuer,
            authorized_parties=settings.authorized_parties,
            # Dev serves on whatever loopback origin is free, as CORS does (origins.py).
            allow_loopback=settings.is_dev,
        )

    async def verify(self, token: str | None) -> SessionClaims:
        """Return the verified claims, or raise `TokenVerificationError` (logged, token never)."""
        try:
            if not token:
                raise TokenVerificationError(TokenErrorReason.TOKEN_MISSING, "No session token")
            cached = self.cache.get(token)
            if cached is not None:
                # Still the key that verified it? Otherwise verify again from scratch.
                if await self.key_source.get_key(cached.kid) is cached.key:
                    return cached.claims
                self.cache.discard(token)
            header = read_header(token)
            key = await self.key_source.get_key(header.kid)
            claims = verify_token(
                token,
                key,
                issuer=self.issuer,
                authorized_parties=self.authorized_parties,
                allow_loopback=self.allow_loopback,
                header=header,
            )
            self.cache.put(token, claims, kid=header.kid, key=key)
            return claims
        except TokenVerificationError as exc:
            logger.info("Session token rejected: %s (%s)", exc.reason, exc.message)
            raise


@functools.cache
def get_verifier() -> SessionVerifier:
    """The process-wide verifier, built from the settings on first use."""
    return SessionVerifier.for_instance(get_clerk_instance(), get_settings())


async def verify_session_token(token: str | None) -> SessionClaims:
    """Verify a Clerk session token with the app's keys; raise `TokenVerificationError`."""
    return await get_verifier().verify(token)
