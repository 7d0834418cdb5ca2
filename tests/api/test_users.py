"""GET /user/favoriteColor: 401 with a reason, 404 before the webhook, 200 with the color."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from clerk_fullstack.auth import key_sources as keys
from clerk_fullstack.users.models import User
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.payloads import user_created
from tests.helpers.real_http import api_over_http
from tests.helpers.tokens import SigningKey, mint_token, new_signing_key
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.integration


async def create_user(api: httpx.AsyncClient, user_id: str) -> str:
    assert (await deliver(api, user_created(user_id))).status_code == 200
    doc = await User.get_pymongo_collection().find_one({"clerkUserId": user_id})
    assert doc is not None
    return str(doc["favoriteColor"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_signed_in_user_gets_the_stored_color(
    api: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    color = await create_user(api, "user_color_1")
    response = await api.get(
        "/user/favoriteColor", headers=bearer(mint_token(signing_key, sub="user_color_1"))
    )
    assert response.status_code == 200
    assert response.json() == {
        "payload": color,
        "message": "Successfully Got User Favorite Color.",
    }


async def test_each_user_sees_their_own_color(
    api: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    colors = {f"user_many_{n}": await create_user(api, f"user_many_{n}") for n in range(6)}
    for user_id, color in colors.items():
        response = await api.get(
            "/user/favoriteColor", headers=bearer(mint_token(signing_key, sub=user_id))
        )
        assert response.json()["payload"] == color


async def test_unknown_user_gets_404_json(api: httpx.AsyncClient, signing_key: SigningKey) -> None:
    response = await api.get(
        "/user/favoriteColor", headers=bearer(mint_token(signing_key, sub="user_not_synced"))
    )
    assert response.status_code == 404
    assert response.json() == {
        "success": False,
        "message": "User not found",
        "reason": "user-not-synced",
    }


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "token-missing"),
        ({"Authorization": "Bearer"}, "token-missing"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "token-missing"),
        ({"Authorization": "Bearer garbage"}, "token-invalid"),
    ],
)
async def test_missing_or_malformed_tokens_get_401(
    api: httpx.AsyncClient, headers: dict[str, str], reason: str
) -> None:
    response = await api.get("/user/favoriteColor", headers=headers)
    assert response.status_code == 401
    assert response.json()["reason"] == reason
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"lifetime": -100}, "token-expired"),
        ({"issuer": "https://other.clerk.accounts.dev"}, "token-invalid-issuer"),
        ({"azp": "https://evil.example"}, "token-invalid-authorized-parties"),
        ({"drop": ("sub",)}, "token-invalid"),
    ],
)
async def test_invalid_tokens_get_401_with_reason(
    api: httpx.AsyncClient, signing_key: SigningKey, claims: dict[str, object], reason: str
) -> None:
    token = mint_token(signing_key, **claims)  # type: ignore[arg-type]
    response = await api.get("/user/favoriteColor", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["reason"] == reason


async def test_forged_token_gets_401(api: httpx.AsyncClient, signing_key: SigningKey) -> None:
    await create_user(api, "user_victim")
    forged = mint_token(new_signing_key(signing_key.kid), sub="user_victim")
    response = await api.get("/user/favoriteColor", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json()["reason"] == "token-invalid-signature"


async def test_lowercase_bearer_scheme_is_accepted(
    api: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    await create_user(api, "user_lower")
    token = mint_token(signing_key, sub="user_lower")
    response = await api.get("/user/favoriteColor", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


async def test_session_cookie_works_same_origin_only(
    api: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    await create_user(api, "user_cookie")
    cookie = {"Cookie": f"__session={mint_token(signing_key, sub='user_cookie')}"}
    same = await api.get("/user/favoriteColor", headers=cookie)
    assert same.status_code == 200
    same_origin = await api.get(
        "/user/favoriteColor", headers={**cookie, "Origin": "http://testserver"}
    )
    assert same_origin.status_code == 200
    cross = await api.get(
        "/user/favoriteColor", headers={**cookie, "Origin": "https://evil.example"}
    )
    assert cross.status_code == 401
    assert cross.json()["reason"] == "token-missing"


async def test_tokens_never_appear_in_logs(
    api: httpx.AsyncClient, signing_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    token = mint_token(signing_key, lifetime=-100)
    await api.get("/user/favoriteColor", headers=bearer(token))
    assert "token-expired" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


async def test_jwks_mode_verifies_and_caches_keys(
    api: httpx.AsyncClient, env: pytest.MonkeyPatch
) -> None:
    old, new = new_signing_key("kid_old"), new_signing_key("kid_new")
    with JWKSServer(old, secret_key="sk_test_jwks_mode") as server:
        env.setattr(keys, "MIN_REFRESH_INTERVAL_SECONDS", 2.0)
        env.delenv("CLERK_JWT_KEY")
        env.setenv("CLERK_API_URL", server.url)
        env.setenv("CLERK_SECRET_KEY", "sk_test_jwks_mode")
        await create_user(api, "user_jwks")
        for _ in range(10):
            response = await api.get(
                "/user/favoriteColor", headers=bearer(mint_token(old, sub="user_jwks"))
            )
            assert response.status_code == 200
        assert server.fetches == 1
        server.keys = [old, new]  # rotation: the new kid is fetched on first sight
        await asyncio.sleep(2.1)  # past the (shortened) refetch interval
        response = await api.get(
            "/user/favoriteColor", headers=bearer(mint_token(new, sub="user_jwks"))
        )
        assert response.status_code == 200
        assert server.fetches == 2
        unknown = mint_token(new_signing_key("kid_unknown"), sub="user_jwks")
        for _ in range(5):
            response = await api.get("/user/favoriteColor", headers=bearer(unknown))
            assert response.json()["reason"] == "jwk-kid-mismatch"
        assert server.fetches == 2  # rate-limited: within the interval of the last fetch
        await asyncio.sleep(2.1)
        await api.get("/user/favoriteColor", headers=bearer(unknown))
        assert server.fetches == 3


async def test_unreachable_jwks_is_503(
    api: httpx.AsyncClient, env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    env.delenv("CLERK_JWT_KEY")
    env.setenv("CLERK_API_URL", "http://127.0.0.1:9")
    response = await api.get("/user/favoriteColor", headers=bearer(mint_token(signing_key)))
    assert response.status_code == 503
    assert response.json()["reason"] == "jwk-remote-failed-to-load"


async def test_health_reports_the_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


async def test_color_answers_are_not_cached_or_sniffed(
    clean_db: None, signing_key: SigningKey
) -> None:
    """Over real HTTP: the 200, the 404 and the 401 all say no-store and nosniff."""
    async with api_over_http() as client:
        await create_user(client, "user_headers")
        found, missing, refused = [
            await client.get("/user/favoriteColor", headers=headers)
            for headers in (
                bearer(mint_token(signing_key, sub="user_headers")),
                bearer(mint_token(signing_key, sub="user_headers_missing")),
                {},
            )
        ]
    assert [found.status_code, missing.status_code, refused.status_code] == [200, 404, 401]
    for response in (found, missing, refused):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
