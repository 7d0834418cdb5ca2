"""The verified-token cache: a hit must be exactly as strict as verifying the token again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from clerk_fullstack.auth import session as session_module
from clerk_fullstack.auth.cache import VerifiedTokenCache
from clerk_fullstack.auth.key_sources import StaticKeySource
from clerk_fullstack.auth.session import SessionVerifier
from clerk_fullstack.auth.tokens import SessionClaims, verify_token
from clerk_fullstack.core.errors import TokenErrorReason, TokenVerificationError
from tests.helpers.tokens import (
    TEST_FRONTEND,
    TEST_ISSUER,
    SigningKey,
    mint_token,
    new_signing_key,
)

pytestmark = pytest.mark.unit

OTHER_KEY = new_signing_key("ins_test_key_2")


class SwappableKeys:
    """A key source whose keys a test can rotate, like a refreshed JWKS."""

    def __init__(self, **keys: SigningKey) -> None:
        self.keys = {kid: key.private_key.public_key() for kid, key in keys.items()}

    async def get_key(self, kid: str | None) -> RSAPublicKey:
        if kid not in self.keys:
            raise TokenVerificationError(TokenErrorReason.JWK_KID_MISMATCH, f"no key {kid!r}")
        return self.keys[kid]


@pytest.fixture
def count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every full (PyJWT) verification the session verifier makes."""
    calls: list[str] = []
    real = verify_token

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(session_module, "verify_token", counting)
    return calls


def verifier_for(key: SigningKey, **kwargs: Any) -> SessionVerifier:
    return SessionVerifier(
        StaticKeySource(key.private_key.public_key()),
        issuer=TEST_ISSUER,
        authorized_parties=[TEST_FRONTEND],
        **kwargs,
    )


def reason_of(call: Callable[[], Any]) -> str:
    with pytest.raises(TokenVerificationError) as info:
        asyncio.run(call())
    return info.value.reason


def test_second_verification_of_a_token_is_a_hit(
    signing_key: SigningKey, count_verifications: list[str]
) -> None:
    verifier = verifier_for(signing_key)
    token = mint_token(signing_key)

    first = asyncio.run(verifier.verify(token))
    second = asyncio.run(verifier.verify(token))

    assert first == second
    assert first.user_id == "user_test_1"
    assert count_verifications == [token]
    assert (verifier.cache.hits, len(verifier.cache)) == (1, 1)


def test_rejected_tokens_are_never_cached(
    signing_key: SigningKey, count_verifications: list[str]
) -> None:
    verifier = verifier_for(signing_key)
    forged = mint_token(OTHER_KEY, kid=signing_key.kid)

    for _ in range(2):
        assert reason_of(lambda: verifier.verify(forged)) == "token-invalid-signature"

    assert len(count_verifications) == 2
    assert len(verifier.cache) == 0


def test_a_cached_token_is_rejected_once_it_expires(signing_key: SigningKey) -> None:
    # Expired 4.x s ago: inside the 5 s leeway now, outside it a moment later.
    while time.time() % 1 > 0.3:
        time.sleep(0.05)
    now = int(time.time())
    token = mint_token(signing_key, lifetime=-4, issued_offset=0)
    verifier = verifier_for(signing_key)
    assert asyncio.run(verifier.verify(token)).exp == now - 4

    time.sleep(now + 1.05 - time.time())

    assert reason_of(lambda: verifier.verify(token)) == "token-expired"
    assert len(verifier.cache) == 0


def test_hit_rechecks_time_claims_against_the_clock(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = verifier_for(signing_key)
    token = mint_token(signing_key, lifetime=60)
    claims = asyncio.run(verifier.verify(token))
    assert verifier.cache.get(token) is not None

    # The cache itself sees the clock past exp + leeway: the entry is gone.
    monkeypatch.setattr(time, "time", lambda: claims.exp + 5.0)
    assert verifier.cache.get(token) is None
    assert len(verifier.cache) == 0


def test_hit_rechecks_nbf_when_the_clock_steps_back(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = verifier_for(signing_key)
    token = mint_token(signing_key)
    claims = asyncio.run(verifier.verify(token))
    assert claims.nbf is not None

    monkeypatch.setattr(time, "time", lambda: claims.nbf - 6.0)
    assert verifier.cache.get(token) is None


def test_rotated_key_is_verified_again(signing_key: SigningKey) -> None:
    keys = SwappableKeys(**{signing_key.kid: signing_key})
    verifier = SessionVerifier(keys, issuer=TEST_ISSUER, authorized_parties=[TEST_FRONTEND])
    token = mint_token(signing_key)
    asyncio.run(verifier.verify(token))

    # Same kid, different key: the cached signature check no longer counts.
    keys.keys[signing_key.kid] = OTHER_KEY.private_key.public_key()
    assert reason_of(lambda: verifier.verify(token)) == "token-invalid-signature"

    # The kid disappears from the key set altogether.
    del keys.keys[signing_key.kid]
    assert reason_of(lambda: verifier.verify(token)) == "jwk-kid-mismatch"
    assert len(verifier.cache) == 0


def test_cache_is_bounded(signing_key: SigningKey) -> None:
    verifier = verifier_for(signing_key, cache=VerifiedTokenCache(max_entries=4))
    tokens = [mint_token(signing_key, sub=f"user_{i}") for i in range(10)]

    for token in tokens:
        asyncio.run(verifier.verify(token))

    assert 0 < len(verifier.cache) <= 4
    assert verifier.cache.get(tokens[-1]) is not None


def test_a_zero_sized_cache_disables_caching(
    signing_key: SigningKey, count_verifications: list[str]
) -> None:
    verifier = verifier_for(signing_key, cache=VerifiedTokenCache(max_entries=0))
    token = mint_token(signing_key)

    for _ in range(3):
        asyncio.run(verifier.verify(token))

    assert len(count_verifications) == 3


def test_entries_belong_to_one_verifier(signing_key: SigningKey) -> None:
    token = mint_token(signing_key)
    asyncio.run(verifier_for(signing_key).verify(token))

    stricter = SessionVerifier(
        StaticKeySource(signing_key.private_key.public_key()),
        issuer=TEST_ISSUER,
        authorized_parties=["https://elsewhere.example"],
    )
    assert reason_of(lambda: stricter.verify(token)) == "token-invalid-authorized-parties"


def test_expired_entries_are_evicted_before_live_ones(signing_key: SigningKey) -> None:
    cache = VerifiedTokenCache(max_entries=2)
    key = signing_key.private_key.public_key()
    now = int(time.time())

    def claims(sub: str, exp: int) -> SessionClaims:
        return SessionClaims(sub=sub, iss=TEST_ISSUER, exp=exp, iat=now - 60, nbf=now - 60)

    cache.put("old", claims("user_old", now - 30), kid=None, key=key)
    cache.put("live", claims("user_live", now + 60), kid=None, key=key)
    cache.put("new", claims("user_new", now + 60), kid=None, key=key)

    assert cache.get("old") is None
    assert cache.get("live") is not None
    assert cache.get("new") is not None
