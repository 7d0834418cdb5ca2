"""The stand-in end to end over real HTTP: sign-up → Svix webhook → MongoDB → verified token.

The app is served by Granian on a loopback port, so the stand-in's webhooks and the verifier's
JWKS fetch go over HTTP to the same app, exactly as under `reflex run`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from clerk_fullstack.api.app import build_api
from clerk_fullstack.auth.session import verify_session_token
from clerk_fullstack.clerk_instance import get_clerk_instance
from clerk_fullstack.errors import TokenVerificationError
from clerk_fullstack.local_clerk.instance import get_local_clerk
from clerk_fullstack.models import DeletedUser, User
from clerk_fullstack.settings import encode_publishable_key
from clerk_fullstack.startup import reset_caches
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.local_clerk import serve_http, use_local_mode
from tests.helpers.mongo import free_port
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, TEST_ISSUER, SigningKey, mint_token
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
async def app(
    env: pytest.MonkeyPatch, tmp_path: Path, clean_db: None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in local mode (no Clerk keys), on a real port, with a clean database."""
    port = free_port()
    use_local_mode(env, tmp_path, backend_port=port)
    stand_in = get_local_clerk()
    async with (
        serve_http(build_api(), port) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client
        await stand_in.webhooks.wait_idle()
    reset_caches()


async def sign_up(
    app: httpx.AsyncClient, email: str, first_name: str = "Ada", last_name: str = "Lovelace"
) -> dict[str, Any]:
    response = await app.post(
        "/local-clerk/v1/client/sign_ups",
        json={"email_address": email, "first_name": first_name, "last_name": last_name},
        headers={"origin": TEST_FRONTEND},
    )
    assert response.status_code == 200, response.text
    signed_in: dict[str, Any] = response.json()
    return signed_in


async def get_token(
    app: httpx.AsyncClient, signed_in: dict[str, Any], origin: str = TEST_FRONTEND
) -> httpx.Response:
    return await app.post(
        f"/local-clerk/v1/client/sessions/{signed_in['session_id']}/tokens",
        headers={"authorization": f"Bearer {signed_in['client_token']}", "origin": origin},
    )


async def session_token(app: httpx.AsyncClient, signed_in: dict[str, Any]) -> str:
    response = await get_token(app, signed_in)
    assert response.status_code == 200, response.text
    token: str = response.json()["jwt"]
    return token


async def favorite_color(app: httpx.AsyncClient, token: str) -> httpx.Response:
    return await app.get("/user/favoriteColor", headers={"authorization": f"Bearer {token}"})


async def delivered() -> None:
    """Wait until the stand-in's pending webhooks were accepted or given up."""
    await get_local_clerk().webhooks.wait_idle()


async def stored(user_id: str) -> dict[str, Any] | None:
    return await User.get_pymongo_collection().find_one({"clerkUserId": user_id})


async def test_sign_up_reaches_mongo_and_the_favorite_color(app: httpx.AsyncClient) -> None:
    signed_in = await sign_up(app, "ada@example.org")
    user_id = signed_in["user"]["id"]
    await delivered()

    doc = await stored(user_id)
    assert doc is not None
    assert (doc["email"], doc["firstName"], doc["lastName"]) == (
        "ada@example.org",
        "Ada",
        "Lovelace",
    )
    attempts = list(get_local_clerk().webhooks.attempts)
    assert [(a.event_type, a.attempt, a.status_code) for a in attempts] == [
        ("user.created", 1, 200)
    ]

    response = await favorite_color(app, await session_token(app, signed_in))
    assert response.status_code == 200
    assert response.json()["payload"] == doc["favoriteColor"]


async def test_the_verifier_fetched_the_stand_ins_jwks_with_the_secret_key(
    app: httpx.AsyncClient,
) -> None:
    signed_in = await sign_up(app, "jwks@example.org")
    await delivered()
    assert (await favorite_color(app, await session_token(app, signed_in))).status_code == 200
    from clerk_fullstack.auth.key_sources import JWKSKeySource
    from clerk_fullstack.auth.session import get_verifier

    source = get_verifier().key_source
    assert isinstance(source, JWKSKeySource)
    assert source.url == f"{app.base_url}/local-clerk/v1/jwks"
    assert source.fetch_count == 1


async def test_jwks_needs_the_secret_key(app: httpx.AsyncClient) -> None:
    assert (await app.get("/local-clerk/v1/jwks")).status_code == 401
    wrong = await app.get("/local-clerk/v1/jwks", headers={"authorization": "Bearer sk_test_x"})
    assert wrong.status_code == 401
    right = await app.get(
        "/local-clerk/v1/jwks",
        headers={"authorization": f"Bearer {get_clerk_instance().secret_key}"},
    )
    assert right.status_code == 200
    assert [key["kid"] for key in right.json()["keys"]] == [get_local_clerk().instance_id]


async def test_editing_names_sends_user_updated(app: httpx.AsyncClient) -> None:
    signed_in = await sign_up(app, "grace@example.org", "Grace", "Murray")
    await delivered()
    before = await stored(signed_in["user"]["id"])
    assert before is not None

    response = await app.patch(
        "/local-clerk/v1/me",
        json={"first_name": "Grace", "last_name": "Hopper"},
        headers={"authorization": f"Bearer {signed_in['client_token']}"},
    )
    assert response.status_code == 200
    assert response.json()["user"]["last_name"] == "Hopper"
    await delivered()

    after = await stored(signed_in["user"]["id"])
    assert after is not None
    assert (after["firstName"], after["lastName"]) == ("Grace", "Hopper")
    assert after["favoriteColor"] == before["favoriteColor"]
    assert after["clerkUpdatedAt"] > before["clerkUpdatedAt"]


async def test_deleting_the_account_sends_user_deleted(app: httpx.AsyncClient) -> None:
    signed_in = await sign_up(app, "gone@example.org")
    await delivered()
    token = await session_token(app, signed_in)
    auth = {"authorization": f"Bearer {signed_in['client_token']}"}

    response = await app.delete("/local-clerk/v1/me", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"object": "user", "id": signed_in["user"]["id"], "deleted": True}
    await delivered()

    assert await stored(signed_in["user"]["id"]) is None
    tombstone = await DeletedUser.get_pymongo_collection().find_one(
        {"_id": signed_in["user"]["id"]}
    )
    assert tombstone is not None
    # A token issued before the deletion still verifies until it expires, but finds no user.
    assert (await favorite_color(app, token)).status_code == 404
    assert (await get_token(app, signed_in)).status_code == 401
    assert (await app.get("/local-clerk/v1/client", headers=auth)).json() == {
        "session_id": None,
        "user": None,
    }
    again = await app.post(
        "/local-clerk/v1/client/sign_ins", json={"email_address": "gone@example.org"}
    )
    assert (again.status_code, again.json()["reason"]) == (404, "form_identifier_not_found")


async def test_sign_in_and_sign_out(app: httpx.AsyncClient) -> None:
    first = await sign_up(app, "linus@example.org")
    await delivered()
    response = await app.post(
        "/local-clerk/v1/client/sign_ins", json={"email_address": "Linus@Example.org"}
    )
    assert response.status_code == 200
    second = response.json()
    assert second["user"]["id"] == first["user"]["id"]
    assert second["session_id"] != first["session_id"]
    assert (await favorite_color(app, await session_token(app, second))).status_code == 200

    ended = await app.post(
        f"/local-clerk/v1/client/sessions/{second['session_id']}/end",
        headers={"authorization": f"Bearer {second['client_token']}"},
    )
    assert ended.status_code == 200
    assert (await get_token(app, second)).status_code == 401
    assert (await get_token(app, first)).status_code == 200  # other sessions stay signed in


async def test_a_client_cannot_get_tokens_for_another_session(app: httpx.AsyncClient) -> None:
    ada = await sign_up(app, "ada2@example.org")
    bob = await sign_up(app, "bob@example.org")
    response = await app.post(
        f"/local-clerk/v1/client/sessions/{bob['session_id']}/tokens",
        headers={"authorization": f"Bearer {ada['client_token']}"},
    )
    assert response.status_code == 401


async def test_sign_up_form_errors(app: httpx.AsyncClient) -> None:
    await sign_up(app, "taken@example.org")
    taken = await app.post(
        "/local-clerk/v1/client/sign_ups", json={"email_address": "TAKEN@example.org"}
    )
    assert (taken.status_code, taken.json()["reason"]) == (422, "form_identifier_exists")
    bad = await app.post("/local-clerk/v1/client/sign_ups", json={"email_address": "nope"})
    assert bad.status_code == 422
    assert "email_address" in bad.json()["message"]
    as_json = {"content-type": "application/json"}
    garbage = await app.post(
        "/local-clerk/v1/client/sign_ups", content=b"{not json", headers=as_json
    )
    assert garbage.status_code == 422
    huge = await app.post(
        "/local-clerk/v1/client/sign_ups", content=b" " * (64 * 1024), headers=as_json
    )
    assert huge.status_code == 413


async def test_token_party_is_the_calling_origin_and_is_checked(app: httpx.AsyncClient) -> None:
    signed_in = await sign_up(app, "azp@example.org")
    await delivered()
    response = await get_token(app, signed_in, origin="https://evil.example")
    assert (response.status_code, response.json()["reason"]) == (403, "origin_invalid")
    response = await get_token(app, signed_in, origin="http://127.0.0.1:3107")
    token = response.json()["jwt"]
    assert jwt.decode(token, options={"verify_signature": False})["azp"] == "http://127.0.0.1:3107"
    assert (await favorite_color(app, token)).status_code == 200


async def test_a_token_signed_by_another_key_is_rejected_in_local_mode(
    app: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    signed_in = await sign_up(app, "forged@example.org")
    await delivered()
    # Everything right but the key: the stand-in's issuer and kid, the tests' "Clerk" key.
    forged = mint_token(
        signing_key,
        sub=signed_in["user"]["id"],
        issuer=get_clerk_instance().issuer,
        kid=get_local_clerk().instance_id,
    )
    response = await favorite_color(app, forged)
    assert (response.status_code, response.json()["reason"]) == (401, "token-invalid-signature")


async def test_no_cross_trust_a_clerk_configured_app_rejects_stand_in_tokens(
    app: httpx.AsyncClient, env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    signed_in = await sign_up(app, "cross@example.org")
    await delivered()
    token = await session_token(app, signed_in)
    assert (await favorite_color(app, token)).status_code == 200
    # As an attacker holding the stand-in's private key would sign.
    stand_in_key = get_local_clerk().signing_key.private_pem

    # Real Clerk with a PEM key (CLERK_JWT_KEY): the signature does not match.
    env.setenv("CLERK_MODE", "clerk")
    env.setenv("CLERK_PUBLISHABLE_KEY", encode_publishable_key(TEST_HOST))
    env.setenv("CLERK_SECRET_KEY", "sk_test_clerk_fullstack_tests")
    env.setenv("CLERK_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
    env.setenv("CLERK_JWT_KEY", signing_key.public_pem)
    reset_caches()
    assert get_clerk_instance().issuer == TEST_ISSUER
    with pytest.raises(TokenVerificationError) as caught:
        await verify_session_token(token)
    assert caught.value.reason == "token-invalid-signature"

    # Real Clerk through its JWKS: the stand-in's kid is not among Clerk's keys.
    with JWKSServer(signing_key) as clerk_api:
        env.delenv("CLERK_JWT_KEY")
        env.setenv("CLERK_API_URL", clerk_api.url)
        env.setenv("CLERK_SECRET_KEY", clerk_api.secret_key)
        reset_caches()
        with pytest.raises(TokenVerificationError) as caught:
            await verify_session_token(token)
        assert caught.value.reason == "jwk-kid-mismatch"

        # Even a stand-in token claiming Clerk's issuer fails on the key, not just the issuer.
        claims = jwt.decode(token, options={"verify_signature": False})
        impostor = jwt.encode(
            {**claims, "iss": TEST_ISSUER},
            stand_in_key,
            algorithm="RS256",
            headers={"kid": signing_key.kid},
        )
        with pytest.raises(TokenVerificationError) as caught:
            await verify_session_token(impostor)
        assert caught.value.reason == "token-invalid-signature"
