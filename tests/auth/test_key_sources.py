"""JWKSKeySource: caching, rotation and the rate limit on refetches, against a local JWKS server."""

from __future__ import annotations

import pytest

from clerk_fullstack.auth.jwks import parse_jwks
from clerk_fullstack.auth.key_sources import JWKSKeySource
from clerk_fullstack.core.errors import KeysUnavailableError, TokenVerificationError
from tests.helpers.jwks_server import FakeClock, JWKSServer, source_for
from tests.helpers.tokens import jwks, new_signing_key

pytestmark = pytest.mark.unit

KEY_A = new_signing_key("kid_a")
KEY_B = new_signing_key("kid_b")


async def test_keys_are_cached_for_five_minutes() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        for _ in range(20):
            await source.get_key("kid_a")
        assert server.fetches == 1
        clock.now += 299
        await source.get_key("kid_a")
        assert server.fetches == 1
        clock.now += 2
        await source.get_key("kid_a")  # stale: served, and refreshed in the background
        await source.wait_idle()
        assert server.fetches == 2


async def test_rotation_unknown_kid_triggers_one_refetch() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        server.keys = [KEY_B]  # Clerk rotated its signing key.
        clock.now += 11
        key = await source.get_key("kid_b")
        assert key.public_numbers() == KEY_B.private_key.public_key().public_numbers()
        assert server.fetches == 2


async def test_made_up_kids_cannot_hammer_the_jwks_endpoint() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        for n in range(50):
            with pytest.raises(TokenVerificationError) as caught:
                await source.get_key(f"kid_made_up_{n}")
            assert caught.value.reason == "jwk-kid-mismatch"
        assert server.fetches == 1
        clock.now += 10
        with pytest.raises(TokenVerificationError):
            await source.get_key("kid_made_up_again")
        assert server.fetches == 2


async def test_secret_key_is_sent_as_bearer() -> None:
    with JWKSServer(KEY_A, secret_key="sk_test_right") as server:
        source = JWKSKeySource(f"{server.url}/v1/jwks", "sk_test_wrong", clock=FakeClock())
        with pytest.raises(KeysUnavailableError) as caught:
            await source.get_key("kid_a")
        assert caught.value.reason == "jwk-remote-failed-to-load"
        assert caught.value.status_code == 503


async def test_outage_keeps_last_good_keys() -> None:
    clock = FakeClock()
    with JWKSServer(KEY_A) as server:
        source = source_for(server, clock)
        await source.get_key("kid_a")
        server.status = 500
        clock.now += 301
        await source.get_key("kid_a")  # stale cache, refetch fails: the old key still serves
        await source.wait_idle()
        assert server.fetches == 2


async def test_unreachable_jwks_is_reported() -> None:
    source = JWKSKeySource("http://127.0.0.1:9/v1/jwks", "sk_test_x", clock=FakeClock())
    with pytest.raises(KeysUnavailableError):
        await source.get_key("kid_a")


async def test_token_without_kid_is_rejected() -> None:
    with JWKSServer(KEY_A) as server:
        with pytest.raises(TokenVerificationError) as caught:
            await source_for(server, FakeClock()).get_key(None)
        assert caught.value.reason == "token-invalid"


def test_parse_jwks_skips_foreign_keys() -> None:
    document = jwks(KEY_A)
    document["keys"].append({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "", "y": ""})
    document["keys"].append({**KEY_B.jwk(), "use": "enc"})
    assert list(parse_jwks(document)) == ["kid_a"]
    with pytest.raises(ValueError):
        parse_jwks({"nope": []})
