"""JWKSKeySource when Clerk is slow or sends bad sets: stale keys serve, refresh in background."""

from __future__ import annotations

import asyncio

import pytest

from clerk_fullstack.auth.jwks import parse_jwks
from clerk_fullstack.core.errors import KeysUnavailableError, TokenVerificationError
from tests.helpers.jwks_server import FakeClock, JWKSServer, source_for
from tests.helpers.tokens import jwks, new_signing_key

pytestmark = pytest.mark.unit

KEY_A = new_signing_key("kid_a")
KEY_B = new_signing_key("kid_b")
BOUND = 20.0
"""A hang bound only: a test that would block forever fails instead."""


async def fetch_started(server: JWKSServer) -> None:
    """Wait until a fetch has reached the (gated) server."""
    assert await asyncio.to_thread(server.waiting.acquire, True, BOUND)


def numbers(key: object) -> object:
    return key.public_numbers()  # type: ignore[attr-defined]


async def test_a_stale_cache_serves_known_kids_while_a_slow_refetch_runs() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        await fetch_started(server)
        clock.now += 301  # stale
        server.gate.clear()  # Clerk hangs
        server.keys = [KEY_A, KEY_B]
        # Many verifications while the refetch hangs: none waits for it.
        for _ in range(20):
            key = await asyncio.wait_for(source.get_key("kid_a"), BOUND)
            assert numbers(key) == numbers(KEY_A.private_key.public_key())
        await fetch_started(server)
        assert server.fetches == 2  # one background refetch, not one per request
        server.gate.set()
        await asyncio.wait_for(source.wait_idle(), BOUND)
        # The refreshed set is in use: kid_b is known without another fetch.
        await source.get_key("kid_b")
        assert server.fetches == 2


async def test_a_failing_jwks_never_blocks_known_kids() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        server.status = 500
        for _ in range(5):
            clock.now += 301
            await asyncio.wait_for(source.get_key("kid_a"), BOUND)
            await asyncio.wait_for(source.wait_idle(), BOUND)
        assert server.fetches == 6


async def test_an_unknown_kid_waits_for_the_refetch() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        server.keys = [KEY_B]
        clock.now += 11
        key = await asyncio.wait_for(source.get_key("kid_b"), BOUND)
        assert numbers(key) == numbers(KEY_B.private_key.public_key())


async def test_a_malformed_jwk_is_skipped_and_the_good_kid_learned() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        bad = [
            {"kty": "RSA", "kid": "broken", "n": "!!!", "e": "AQAB"},
            {"kty": "RSA", "kid": "no-n"},
            {"kty": "RSA", "kid": 7, "n": 1, "e": 2},
            {"kty": "RSA", "kid": ["x"], **{k: v for k, v in KEY_B.jwk().items() if k != "kid"}},
            "not-an-object",
        ]
        server.document = {"keys": [*bad, KEY_B.jwk()]}
        clock.now += 11
        key = await source.get_key("kid_b")
        assert numbers(key) == numbers(KEY_B.private_key.public_key())


@pytest.mark.parametrize(
    "document",
    [{"keys": []}, {"keys": [{"kty": "RSA", "kid": "bad", "n": "x", "e": "y"}]}, {"keys": "x"}],
    ids=["empty", "no-usable-key", "keys-not-a-list"],
)
async def test_a_set_without_usable_keys_keeps_the_last_good_keys(document: object) -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        server.document = document
        clock.now += 301
        await source.get_key("kid_a")
        await asyncio.wait_for(source.wait_idle(), BOUND)
        assert server.fetches == 2
        clock.now += 1  # past the cache again only if the bad fetch were taken as fresh
        key = await source.get_key("kid_a")
        assert numbers(key) == numbers(KEY_A.private_key.public_key())
        with pytest.raises(TokenVerificationError):
            await source.get_key("kid_unknown")


async def test_a_first_fetch_without_usable_keys_is_503() -> None:
    with JWKSServer(KEY_A) as server:
        server.document = {"keys": []}
        with pytest.raises(KeysUnavailableError) as caught:
            await source_for(server, FakeClock()).get_key("kid_a")
        assert caught.value.status_code == 503


def test_parse_jwks_skips_malformed_entries() -> None:
    document = jwks(KEY_A)
    document["keys"].insert(0, {"kty": "RSA", "kid": "broken", "n": "%%", "e": "AQAB"})
    document["keys"].insert(0, {"kty": "RSA", "kid": "missing"})
    assert list(parse_jwks(document)) == ["kid_a"]
