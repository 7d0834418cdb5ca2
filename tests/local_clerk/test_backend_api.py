"""The emulator's Backend API over HTTP: the JWKS, users in Clerk's shapes, the outage switch."""

from __future__ import annotations

import pytest

from clerk_fullstack.webhooks.events import user_profile
from tests.helpers.emulator import Emulator, stored_users

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BACKEND = "/local-clerk/v1"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/jwks"),
        ("GET", "/users"),
        ("GET", "/users/count"),
        ("GET", "/outage"),
        ("POST", "/outage"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer sk_test_x", "Basic sk_test_x", "Bearer"])
async def test_every_call_needs_the_secret_key(
    emulator: Emulator, method: str, path: str, authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    response = await emulator.http.request(
        method, f"{BACKEND}{path}", headers=headers, json={"webhooks_paused": True}
    )
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["code"] == "authentication_invalid"
    outage = await emulator.http.get(f"{BACKEND}/outage", headers=emulator.secret_headers)
    assert outage.json() == {"webhooks_paused": False}


async def test_the_jwks_lists_the_emulators_key(emulator: Emulator) -> None:
    response = await emulator.http.get(f"{BACKEND}/jwks", headers=emulator.secret_headers)
    assert response.status_code == 200
    assert response.json() == emulator.local.signing_key.jwks()
    assert [key["kid"] for key in response.json()["keys"]] == [emulator.local.instance_id]


async def test_users_are_listed_in_clerks_shape_and_paged(emulator: Emulator) -> None:
    created = emulator.create_users([(f"u{n}@example.org", f"U{n}", None) for n in range(7)])
    headers = emulator.secret_headers
    count = await emulator.http.get(f"{BACKEND}/users/count", headers=headers)
    assert count.json() == {"object": "total_count", "total_count": 7}

    newest_first = [u.id for u in reversed(created)]
    seen: list[str] = []
    for offset in (0, 3, 6):
        response = await emulator.http.get(
            f"{BACKEND}/users",
            params={"limit": 3, "offset": offset, "order_by": "-created_at"},
            headers=headers,
        )
        assert response.status_code == 200
        page = response.json()
        assert isinstance(page, list) and all(u["object"] == "user" for u in page)
        seen += [u["id"] for u in page]
    assert seen == newest_first

    default = (await emulator.http.get(f"{BACKEND}/users", headers=headers)).json()
    assert len(default) == 7  # Clerk's default page is 10
    first = default[0]
    profile = user_profile(first)
    assert profile is not None and profile.clerk_user_id == created[-1].id
    assert profile.email == "u6@example.org"
    assert {"created_at", "updated_at", "email_addresses", "primary_email_address_id"} <= set(first)


async def test_a_signed_up_user_is_listed_without_secrets(emulator: Emulator) -> None:
    signed_in = await emulator.sign_up("listed@example.org", "Listed", "User")
    [user] = (await emulator.http.get(f"{BACKEND}/users", headers=emulator.secret_headers)).json()
    assert (user["id"], user["first_name"], user["last_name"]) == (
        signed_in.user_id,
        "Listed",
        "User",
    )
    assert "password" not in str(user).replace("password_enabled", "")


async def test_users_can_be_filtered_by_id_and_sorted_ascending(emulator: Emulator) -> None:
    a, _, c = emulator.create_users([(f"u{n}@example.org", None, None) for n in range(3)])
    response = await emulator.http.get(
        f"{BACKEND}/users",
        params=[("user_id", a.id), ("user_id", c.id), ("order_by", "+created_at")],
        headers=emulator.secret_headers,
    )
    assert [u["id"] for u in response.json()] == [a.id, c.id]
    count = await emulator.http.get(
        f"{BACKEND}/users/count", params={"user_id": a.id}, headers=emulator.secret_headers
    )
    assert count.json()["total_count"] == 1


@pytest.mark.parametrize(
    "params",
    [{"limit": "501"}, {"limit": "0"}, {"offset": "-1"}, {"order_by": "-password"}],
)
async def test_bad_paging_gets_a_clear_error(emulator: Emulator, params: dict[str, str]) -> None:
    response = await emulator.http.get(
        f"{BACKEND}/users", params=params, headers=emulator.secret_headers
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "form_param_format_invalid"
    assert next(iter(params)) in error["message"]


async def test_the_outage_switch_stops_webhooks_until_it_is_turned_off(
    emulator: Emulator,
) -> None:
    await emulator.pause_webhooks()
    state = await emulator.http.get(f"{BACKEND}/outage", headers=emulator.secret_headers)
    assert state.json() == {"webhooks_paused": True}
    lost = await emulator.sign_up("lost@example.org")
    assert await stored_users() == {}
    assert not emulator.webhooks.attempts

    await emulator.pause_webhooks(False)
    arrived = await emulator.sign_up("arrived@example.org")
    assert set(await stored_users()) == {arrived.user_id}
    assert lost.user_id not in await stored_users()


@pytest.mark.parametrize("body", [{"webhooks_paused": "yes"}, {}, [True]])
async def test_the_outage_switch_refuses_anything_but_a_boolean(
    emulator: Emulator, body: object
) -> None:
    response = await emulator.http.post(
        f"{BACKEND}/outage", json=body, headers=emulator.secret_headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "form_param_format_invalid"
