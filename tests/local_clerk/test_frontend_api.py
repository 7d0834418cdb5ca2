"""The emulator's Frontend API end to end over real HTTP, called as clerk-js calls it.

The app is served on a loopback port with the emulator mounted under `/local-clerk`, so its
webhooks reach the app's `/webhooks` and the app's verifier fetches its JWKS over HTTP, as under
`reflex run`. Sign-up → Svix webhook → MongoDB → a token the app's own verifier accepts.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from clerk_fullstack.auth.session import get_verifier, verify_session_token
from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.errors import TokenVerificationError
from clerk_fullstack.core.settings import encode_publishable_key
from clerk_fullstack.local_clerk.passwords import check_password
from clerk_fullstack.local_clerk.session_tokens import SESSION_TOKEN_CATEGORY
from clerk_fullstack.server.startup import reset_caches
from tests.helpers.clerk_frontend import TEST_CODE, FrontendAPI, FrontendError, checked
from tests.helpers.emulator import PASSWORD, Emulator, stored_user, tombstones
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, TEST_ISSUER, SigningKey, mint_token
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ATTRIBUTES = {
    "email_address",
    "phone_number",
    "username",
    "first_name",
    "last_name",
    "password",
    "web3_wallet",
    "authenticator_app",
    "backup_code",
    "passkey",
}
ATTRIBUTE_KEYS = {
    "enabled",
    "required",
    "verifications",
    "used_for_first_factor",
    "first_factors",
    "used_for_second_factor",
    "second_factors",
    "verify_at_sign_up",
}


def events(emulator: Emulator) -> list[tuple[str, int, int | None]]:
    """Every delivery attempt so far: (event type, attempt, status)."""
    return [(a.event_type, a.attempt, a.status_code) for a in emulator.webhooks.attempts]


def store_file(emulator: Emulator) -> dict[str, Any]:
    """The emulator's records as kept on disk."""
    records: dict[str, Any] = json.loads(emulator.local.store.path.read_text())
    return records


async def favorite_color(emulator: Emulator, token: str) -> httpx.Response:
    """The app's own REST route, with the token as a browser sends it."""
    return await emulator.http.get(
        "/user/favoriteColor", headers={"authorization": f"Bearer {token}"}
    )


def expect_error(caught: pytest.ExceptionInfo[FrontendError]) -> tuple[int, str | None, str | None]:
    """(status, Clerk error code, the form field it belongs to)."""
    return caught.value.status_code, caught.value.code, caught.value.param_name


# -- the development browser and the environment -------------------------------------------


async def test_the_dev_browser_handshake_gives_a_browser_an_empty_client(
    emulator: Emulator,
) -> None:
    browser = emulator.browser()
    browser_id = await browser.dev_browser()
    assert browser_id.startswith("dvb_")
    client = await browser.get_client()
    assert client["object"] == "client"
    assert (client["sessions"], client["sign_in"], client["sign_up"]) == ([], None, None)
    assert client["last_active_session_id"] is None
    # Each handshake is a new browser with its own client.
    other = emulator.browser()
    assert await other.dev_browser() != browser_id
    assert (await other.get_client())["id"] != client["id"]
    # Only a hash of the id is kept, as for any credential.
    assert browser_id not in emulator.local.store.path.read_text()


@pytest.mark.parametrize("browser_id", [None, "dvb_not_one_of_ours", ""])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/client"),
        ("POST", "/v1/client/sign_ups"),
        ("POST", "/v1/client/sign_ins"),
        ("POST", "/v1/client/sessions/sess_x/tokens"),
        ("GET", "/v1/me"),
    ],
)
async def test_a_missing_or_unknown_dev_browser_gets_401(
    emulator: Emulator, browser_id: str | None, method: str, path: str
) -> None:
    browser = emulator.browser()
    browser.browser_id = browser_id
    form = {"email_address": "ada@example.org", "password": PASSWORD, "identifier": "a@b.org"}
    response = await browser.call(method, path, form if method == "POST" else None)
    assert response.status_code == 401, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "dev_browser_unauthenticated"
    assert set(error) >= {"message", "long_message", "meta"}
    assert emulator.local.store.all_users() == []


@pytest.mark.parametrize("method", ["GET", "PATCH"])
async def test_the_environment_has_what_clerks_sdk_needs_and_no_captcha(
    emulator: Emulator, method: str
) -> None:
    browser = emulator.browser()
    env = checked(await browser.call(method, "/v1/environment"))
    assert env["object"] == "environment"
    assert {
        "object",
        "id",
        "auth_config",
        "display_config",
        "user_settings",
        "organization_settings",
        "commerce_settings",
        "api_keys_settings",
        "protect_config",
        "maintenance_mode",
    } <= set(env)
    attributes = env["user_settings"]["attributes"]
    assert set(attributes) == ATTRIBUTES
    for name, setting in attributes.items():
        assert set(setting) >= ATTRIBUTE_KEYS, name
    enabled = {name for name, setting in attributes.items() if setting["enabled"]}
    assert enabled == {"email_address", "password", "first_name", "last_name"}
    email = attributes["email_address"]
    assert (email["required"], email["used_for_first_factor"], email["verify_at_sign_up"]) == (
        True,
        True,
        True,
    )
    assert email["verifications"] == ["email_code"]
    assert attributes["password"]["required"] is True
    assert attributes["first_name"]["required"] is False
    # Nothing would load a script from the internet.
    assert env["display_config"]["captcha_public_key"] is None
    assert env["user_settings"]["sign_up"]["captcha_enabled"] is False
    assert "loaders" not in env["protect_config"]
    assert env["display_config"]["instance_environment_type"] == "development"
    assert env["id"] == emulator.local.instance_id


# -- sign-up -------------------------------------------------------------------------------


async def test_sign_up_creates_the_user_and_one_user_created_webhook_reaches_mongo(
    emulator: Emulator,
) -> None:
    browser = emulator.browser()
    await browser.dev_browser()
    form = {
        "email_address": "Ada@Example.org",
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    created = (await browser.resource("POST", "/v1/client/sign_ups", form))["response"]
    assert created["status"] == "missing_requirements"
    assert created["unverified_fields"] == ["email_address"]
    assert created["verifications"]["email_address"]["next_action"] == "needs_prepare"
    path = f"/v1/client/sign_ups/{created['id']}"
    prepared = await browser.resource(
        "POST", f"{path}/prepare_verification", {"strategy": "email_code"}
    )
    assert prepared["response"]["verifications"]["email_address"]["next_action"] == "needs_attempt"
    assert events(emulator) == []  # no user until the address is verified

    body = await browser.resource(
        "POST", f"{path}/attempt_verification", {"strategy": "email_code", "code": TEST_CODE}
    )
    sign_up = body["response"]
    assert sign_up["status"] == "complete"
    user_id, session_id = sign_up["created_user_id"], sign_up["created_session_id"]
    assert user_id.startswith("user_") and session_id.startswith("sess_")
    client = body["client"]
    assert client["last_active_session_id"] == session_id
    [session] = client["sessions"]
    assert (session["id"], session["status"], session["user"]["id"]) == (
        session_id,
        "active",
        user_id,
    )
    assert session["user"]["email_addresses"][0]["email_address"] == "ada@example.org"
    assert session["last_active_token"]["object"] == "token"

    # The emulator keeps a password hash, never the password.
    raw = emulator.local.store.path.read_text()
    assert PASSWORD not in raw
    stored = emulator.local.store.get_user(user_id)
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("scrypt$")
    assert check_password(PASSWORD, stored.password_hash)

    await emulator.delivered()
    assert events(emulator) == [("user.created", 1, 200)]
    doc = await stored_user(user_id)
    assert doc is not None
    assert (doc["email"], doc["firstName"], doc["lastName"]) == (
        "ada@example.org",
        "Ada",
        "Lovelace",
    )


async def test_a_wrong_code_is_refused_on_the_code_field_then_the_right_one_works(
    emulator: Emulator,
) -> None:
    browser = emulator.browser()
    with pytest.raises(FrontendError) as caught:
        await browser.sign_up("ada@example.org", PASSWORD, code="000000")
    assert expect_error(caught) == (422, "form_code_incorrect", "code")
    assert emulator.local.store.all_users() == []

    sign_up_id = browser.client["sign_up"]["id"] if browser.client else None
    body = await browser.resource(
        "POST",
        f"/v1/client/sign_ups/{sign_up_id}/attempt_verification",
        {"strategy": "email_code", "code": TEST_CODE},
    )
    assert body["response"]["status"] == "complete"
    await emulator.delivered()
    assert events(emulator) == [("user.created", 1, 200)]


async def test_too_many_wrong_codes_end_the_verification(emulator: Emulator) -> None:
    browser = emulator.browser()
    with pytest.raises(FrontendError):
        await browser.sign_up("ada@example.org", PASSWORD, code="000000")
    assert browser.client is not None
    path = f"/v1/client/sign_ups/{browser.client['sign_up']['id']}/attempt_verification"
    codes = ["111111"] * 4 + [TEST_CODE]
    answers = [await browser.call("POST", path, {"code": code}) for code in codes]
    assert [r.status_code for r in answers] == [422] * 5
    assert answers[-1].json()["errors"][0]["code"] == "verification_failed"
    assert emulator.local.store.all_users() == []


async def test_a_taken_email_address_is_refused_on_the_email_field(emulator: Emulator) -> None:
    await emulator.sign_up("taken@example.org")
    with pytest.raises(FrontendError) as caught:
        await emulator.browser().sign_up("TAKEN@example.org", PASSWORD)
    assert expect_error(caught) == (422, "form_identifier_exists", "email_address")
    assert len(emulator.local.store.all_users()) == 1
    await emulator.delivered()
    assert events(emulator) == [("user.created", 1, 200)]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"email_address": "ada@example.org", "password": "short"}, "password"),
        ({"email_address": "ada@example.org", "password": "x" * 73}, "password"),
        ({"email_address": "not-an-address", "password": PASSWORD}, "email_address"),
        (
            {"email_address": "ada@example.org", "password": PASSWORD, "first_name": "x" * 300},
            "first_name",
        ),
        (
            {"email_address": "ada@example.org", "password": PASSWORD, "last_name": "L\x07"},
            "last_name",
        ),
    ],
)
async def test_invalid_fields_are_refused_on_their_field(
    emulator: Emulator, form: dict[str, str], field: str
) -> None:
    browser = emulator.browser()
    await browser.dev_browser()
    response = await browser.call("POST", "/v1/client/sign_ups", form)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["meta"] == {"param_name": field}
    assert emulator.local.store.all_users() == []


@pytest.mark.parametrize("escaped", ["%ED%A0%80", "%FF", "Ada%00"])
async def test_a_name_that_cannot_be_stored_is_refused_and_nothing_is_stored(
    emulator: Emulator, escaped: str
) -> None:
    """A lone surrogate, a byte that is not UTF-8, a NUL: a 4xx, no user, no webhook."""
    browser = emulator.browser()
    await browser.dev_browser()
    assert browser.browser_id is not None and browser.origin is not None
    response = await browser.http.post(
        f"{browser.base_url}/v1/client/sign_ups",
        params={"__clerk_db_jwt": browser.browser_id},
        headers={"origin": browser.origin, "content-type": "application/x-www-form-urlencoded"},
        content=f"email_address=ada%40example.org&password={PASSWORD}&first_name={escaped}".encode(),
    )
    assert response.status_code == 422, response.text
    assert emulator.local.store.all_users() == []
    await emulator.delivered()
    assert events(emulator) == []


# -- sign-in -------------------------------------------------------------------------------


async def test_sign_in_with_a_password_starts_another_session_for_the_user(
    emulator: Emulator,
) -> None:
    signed_up = await emulator.sign_up("linus@example.org")
    browser = emulator.browser()
    body = await browser.sign_in_password("Linus@Example.org", PASSWORD)
    sign_in = body["response"]
    assert sign_in["status"] == "complete"
    assert sign_in["created_session_id"] not in (None, signed_up.session_id)
    assert browser.user_id == signed_up.user_id
    assert body["client"]["last_authentication_strategy"] == "password"
    # Both browsers stay signed in.
    assert (await favorite_color(emulator, await browser.token())).status_code == 200
    assert (await favorite_color(emulator, await signed_up.browser.token())).status_code == 200


async def test_sign_in_with_the_password_in_the_first_call(emulator: Emulator) -> None:
    signed_up = await emulator.sign_up("one@example.org")
    browser = emulator.browser()
    await browser.dev_browser()
    form = {"identifier": "one@example.org", "strategy": "password", "password": PASSWORD}
    body = await browser.resource("POST", "/v1/client/sign_ins", form)
    assert body["response"]["status"] == "complete"
    assert browser.user_id == signed_up.user_id


async def test_sign_in_with_an_email_code(emulator: Emulator) -> None:
    signed_up = await emulator.sign_up("code@example.org")
    browser = emulator.browser()
    sign_in = await browser.start_sign_in("code@example.org")
    assert sign_in["status"] == "needs_first_factor"
    assert [f["strategy"] for f in sign_in["supported_first_factors"]] == [
        "password",
        "email_code",
    ]
    body = await emulator.browser().sign_in_code("code@example.org")
    assert body["response"]["status"] == "complete"
    assert body["client"]["last_authentication_strategy"] == "email_code"
    [session] = body["client"]["sessions"]
    assert session["user"]["id"] == signed_up.user_id


async def test_an_unknown_email_address_is_refused_on_the_identifier_field(
    emulator: Emulator,
) -> None:
    with pytest.raises(FrontendError) as caught:
        await emulator.browser().start_sign_in("nobody@example.org")
    assert expect_error(caught) == (422, "form_identifier_not_found", "identifier")


async def test_a_wrong_password_is_refused_on_the_password_field(emulator: Emulator) -> None:
    await emulator.sign_up("pw@example.org")
    browser = emulator.browser()
    with pytest.raises(FrontendError) as caught:
        await browser.sign_in_password("pw@example.org", "not the password")
    assert expect_error(caught) == (422, "form_password_incorrect", "password")
    assert browser.session_id is None
    client = await browser.get_client()
    assert client["sessions"] == []


async def test_a_wrong_sign_in_code_is_refused_on_the_code_field(emulator: Emulator) -> None:
    await emulator.sign_up("wrongcode@example.org")
    browser = emulator.browser()
    with pytest.raises(FrontendError) as caught:
        await browser.sign_in_code("wrongcode@example.org", code="123456")
    assert expect_error(caught) == (422, "form_code_incorrect", "code")
    assert (await browser.get_client())["sessions"] == []


async def test_a_code_must_be_prepared_before_it_is_attempted(emulator: Emulator) -> None:
    await emulator.sign_up("unprepared@example.org")
    browser = emulator.browser()
    sign_in = await browser.start_sign_in("unprepared@example.org")
    response = await browser.call(
        "POST",
        f"/v1/client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "email_code", "code": TEST_CODE},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["meta"] == {"param_name": "code"}


# -- tokens and sessions -------------------------------------------------------------------


async def test_the_token_verifies_with_the_apps_verifier_and_names_the_origin(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("azp@example.org")
    token = await signed_in.browser.token(signed_in.session_id)
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"], header["cat"]) == (
        "RS256",
        emulator.local.instance_id,
        SESSION_TOKEN_CATEGORY,
    )
    claims = await get_verifier().verify(token)
    assert (claims.sub, claims.sid, claims.azp) == (
        signed_in.user_id,
        signed_in.session_id,
        TEST_FRONTEND,
    )
    assert claims.extra["sts"] == "active"
    response = await favorite_color(emulator, token)
    assert response.status_code == 200, response.text

    # Another loopback page of the app (dev): `azp` is that page.
    other_page = FrontendAPI(emulator.base, origin="http://127.0.0.1:3107", http=emulator.http)
    other_page.browser_id = signed_in.browser.browser_id
    other_token = await other_page.token(signed_in.session_id)
    assert (await get_verifier().verify(other_token)).azp == "http://127.0.0.1:3107"


async def test_the_verifier_fetched_the_emulators_jwks_with_the_secret_key(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("jwks@example.org")
    assert (await favorite_color(emulator, await signed_in.browser.token())).status_code == 200
    from clerk_fullstack.auth.key_sources import JWKSKeySource

    source = get_verifier().key_source
    assert isinstance(source, JWKSKeySource)
    assert source.url == f"{emulator.base}/v1/jwks"
    assert source.fetch_count == 1


async def test_sign_out_ends_every_session_of_the_browser(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("out@example.org")
    browser = signed_in.browser
    await browser.sign_in_password("out@example.org", PASSWORD)  # a second session, same browser
    sessions = [s["id"] for s in (await browser.get_client())["sessions"]]
    assert len(sessions) == 2 and signed_in.session_id in sessions
    elsewhere = emulator.browser()
    await elsewhere.sign_in_password("out@example.org", PASSWORD)

    body = await browser.sign_out()
    assert body["client"]["sessions"] == []
    assert body["response"]["object"] == "client"
    for session_id in sessions:
        response = await browser.call("POST", f"/v1/client/sessions/{session_id}/tokens")
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "signed_out"
    assert (await browser.get_client())["sessions"] == []
    # The other browser's session is not this browser's to end.
    assert (await get_verifier().verify(await elsewhere.token())).sub == signed_in.user_id


async def test_ending_one_session_keeps_the_others(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("end@example.org")
    browser = signed_in.browser
    await browser.sign_in_password("end@example.org", PASSWORD)
    second = browser.session_id
    assert second is not None and second != signed_in.session_id
    ended = await browser.resource("POST", f"/v1/client/sessions/{second}/end")
    assert ended["response"]["status"] == "ended"
    assert ended["client"]["last_active_session_id"] == signed_in.session_id
    with pytest.raises(FrontendError) as caught:
        await browser.token(second)
    assert caught.value.status_code == 401
    assert await browser.token(signed_in.session_id)


async def test_another_browser_cannot_use_a_session_it_does_not_hold(emulator: Emulator) -> None:
    ada = await emulator.sign_up("ada@example.org")
    bob = await emulator.sign_up("bob@example.org")
    with pytest.raises(FrontendError) as caught:
        await bob.browser.token(ada.session_id)
    assert expect_error(caught)[:2] == (401, "signed_out")
    touched = await bob.browser.call("POST", f"/v1/client/sessions/{ada.session_id}/touch")
    assert touched.status_code == 401
    # …nor act as its user through `_clerk_session_id`.
    me = await bob.browser.call("GET", "/v1/me", params={"_clerk_session_id": ada.session_id})
    assert me.status_code == 401
    assert (await bob.browser.me())["id"] == bob.user_id


# -- the signed-in user --------------------------------------------------------------------


async def test_renaming_sends_user_updated_and_mongo_gets_the_new_name(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("grace@example.org", "Grace", "Murray")
    before = await stored_user(signed_in.user_id)
    assert before is not None

    user = await signed_in.browser.rename("Grace", "Hopper")
    assert (user["first_name"], user["last_name"]) == ("Grace", "Hopper")
    assert (await signed_in.browser.me())["last_name"] == "Hopper"
    await emulator.delivered()
    assert events(emulator) == [("user.created", 1, 200), ("user.updated", 1, 200)]

    after = await stored_user(signed_in.user_id)
    assert after is not None
    assert (after["firstName"], after["lastName"]) == ("Grace", "Hopper")
    assert after["favoriteColor"] == before["favoriteColor"]
    assert after["clerkUpdatedAt"] > before["clerkUpdatedAt"]


async def test_deleting_the_account_sends_user_deleted_and_ends_its_sessions(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("gone@example.org")
    elsewhere = emulator.browser()
    await elsewhere.sign_in_password("gone@example.org", PASSWORD)
    token = await signed_in.browser.token()

    stub = await signed_in.browser.delete_account()
    assert stub == {"object": "user", "id": signed_in.user_id, "deleted": True}
    await emulator.delivered()
    assert events(emulator)[-1] == ("user.deleted", 1, 200)
    assert await stored_user(signed_in.user_id) is None
    assert await tombstones() == {signed_in.user_id}

    # Every session of the user is gone, in this browser and the other one.
    assert store_file(emulator)["sessions"] == {}
    for browser in (signed_in.browser, elsewhere):
        assert (await browser.get_client())["sessions"] == []
        with pytest.raises(FrontendError) as caught:
            await browser.token(signed_in.session_id)
        assert caught.value.status_code == 401
    # A token issued before still verifies until it expires, but finds no user.
    assert (await favorite_color(emulator, token)).status_code == 404
    with pytest.raises(FrontendError) as caught:
        await emulator.browser().start_sign_in("gone@example.org")
    assert caught.value.code == "form_identifier_not_found"


async def test_active_devices_are_listed_and_another_one_can_be_signed_out(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("devices@example.org")
    laptop = emulator.browser()
    await laptop.sign_in_password("devices@example.org", PASSWORD)
    stranger = await emulator.sign_up("stranger@example.org")

    # A bare list, as clerk-js reads it (`payload.map(…)`).
    listed = await signed_in.browser.call("GET", "/v1/me/sessions/active")
    assert listed.status_code == 200
    assert {s["id"] for s in listed.json()} == {signed_in.session_id, laptop.session_id}

    # Not someone else's session…
    response = await signed_in.browser.call("POST", f"/v1/me/sessions/{stranger.session_id}/revoke")
    assert response.status_code == 404
    assert await stranger.browser.token()
    # …but the user's own other device.
    revoked = await signed_in.browser.resource(
        "POST", f"/v1/me/sessions/{laptop.session_id}/revoke"
    )
    assert (revoked["response"]["id"], revoked["response"]["status"]) == (
        laptop.session_id,
        "revoked",
    )
    with pytest.raises(FrontendError) as caught:
        await laptop.token()
    assert caught.value.status_code == 401
    assert await signed_in.browser.token()


async def test_changing_the_password_needs_the_current_one(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("pw2@example.org")
    with pytest.raises(FrontendError) as caught:
        await signed_in.browser.change_password("wrong password", "a new password")
    assert expect_error(caught) == (422, "form_password_incorrect", "current_password")
    await signed_in.browser.change_password(PASSWORD, "a new password")
    with pytest.raises(FrontendError):
        await emulator.browser().sign_in_password("pw2@example.org", PASSWORD)
    assert await emulator.browser().sign_in_password("pw2@example.org", "a new password")
    await emulator.delivered()
    assert events(emulator)[-1] == ("user.updated", 1, 200)


async def test_profile_features_the_emulator_lacks_say_so(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("feature@example.org")
    response = await signed_in.browser.call(
        "POST", "/v1/me/email_addresses", {"email_address": "second@example.org"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "feature_not_enabled"


# -- how requests are read -----------------------------------------------------------------


async def test_method_override_only_applies_to_post(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("method@example.org")
    browser = signed_in.browser
    # GET with `_method=DELETE` stays a GET: sign-out has no GET, so nothing happens.
    response = await browser.call("GET", "/v1/client/sessions", params={"_method": "DELETE"})
    assert response.status_code == 404
    # A plain POST is not a DELETE either.
    assert (await browser.call("POST", "/v1/client/sessions")).status_code == 404
    assert await browser.token()
    # POST with `_method=DELETE` is the sign-out.
    signed_out = await browser.call("DELETE", "/v1/client/sessions")
    assert signed_out.request.method == "POST"
    assert signed_out.request.url.params["_method"] == "DELETE"
    assert signed_out.status_code == 200
    with pytest.raises(FrontendError):
        await browser.token(signed_in.session_id)


async def test_a_form_over_16_kib_gets_413(emulator: Emulator) -> None:
    browser = emulator.browser()
    await browser.dev_browser()
    response = await browser.call(
        "POST",
        "/v1/client/sign_ups",
        {"email_address": "big@example.org", "password": PASSWORD, "first_name": "x" * 17_000},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload-too-large"
    assert emulator.local.store.all_users() == []


# -- trust ---------------------------------------------------------------------------------


async def test_a_token_signed_by_another_key_is_rejected_in_local_mode(
    emulator: Emulator, signing_key: SigningKey
) -> None:
    signed_in = await emulator.sign_up("forged@example.org")
    # Everything right but the key: the emulator's issuer and kid, the tests' "Clerk" key.
    forged = mint_token(
        signing_key,
        sub=signed_in.user_id,
        issuer=get_clerk_instance().issuer,
        kid=emulator.local.instance_id,
    )
    response = await favorite_color(emulator, forged)
    assert (response.status_code, response.json()["reason"]) == (401, "token-invalid-signature")


async def test_no_cross_trust_a_clerk_configured_app_rejects_emulator_tokens(
    emulator: Emulator, env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    signed_in = await emulator.sign_up("cross@example.org")
    token = await signed_in.browser.token()
    assert (await favorite_color(emulator, token)).status_code == 200
    # As an attacker holding the emulator's private key would sign.
    emulator_key = emulator.local.signing_key.private_pem

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

    # Real Clerk through its JWKS: the emulator's kid is not among Clerk's keys.
    with JWKSServer(signing_key) as clerk_api:
        env.delenv("CLERK_JWT_KEY")
        env.setenv("CLERK_API_URL", clerk_api.url)
        env.setenv("CLERK_SECRET_KEY", clerk_api.secret_key)
        reset_caches()
        with pytest.raises(TokenVerificationError) as caught:
            await verify_session_token(token)
        assert caught.value.reason == "jwk-kid-mismatch"

        # Even an emulator token claiming Clerk's issuer fails on the key, not just the issuer.
        claims = jwt.decode(token, options={"verify_signature": False})
        impostor = jwt.encode(
            {**claims, "iss": TEST_ISSUER},
            emulator_key,
            algorithm="RS256",
            headers={"kid": signing_key.kid},
        )
        with pytest.raises(TokenVerificationError) as caught:
            await verify_session_token(impostor)
        assert caught.value.reason == "token-invalid-signature"
