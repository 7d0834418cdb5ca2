"""The stand-in's Backend API users endpoints and outage switch, over real HTTP."""

from __future__ import annotations

import pytest

from clerk_fullstack.events import user_profile
from tests.helpers.stand_in import StandIn, stand_in, stored_users

__all__ = ["stand_in"]
pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_users_need_the_secret_key(stand_in: StandIn) -> None:
    for path in ("/local-clerk/v1/users", "/local-clerk/v1/users/count", "/local-clerk/v1/outage"):
        response = await stand_in.http.get(path, headers={"authorization": "Bearer sk_test_x"})
        assert response.status_code == 401
        assert response.json()["reason"] == "authentication_invalid"


async def test_users_are_listed_in_clerks_shape_and_paged(stand_in: StandIn) -> None:
    created = stand_in.local.store.create_users(
        [(f"u{n}@example.org", f"U{n}", None) for n in range(7)]
    )
    headers = stand_in.secret_headers
    count = await stand_in.http.get("/local-clerk/v1/users/count", headers=headers)
    assert count.json() == {"object": "total_count", "total_count": 7}

    newest_first = [u.id for u in reversed(created)]
    seen: list[str] = []
    for offset in (0, 3, 6):
        response = await stand_in.http.get(
            "/local-clerk/v1/users",
            params={"limit": 3, "offset": offset, "order_by": "-created_at"},
            headers=headers,
        )
        assert response.status_code == 200
        page = response.json()
        assert isinstance(page, list) and all(u["object"] == "user" for u in page)
        seen += [u["id"] for u in page]
    assert seen == newest_first

    first = (await stand_in.http.get("/local-clerk/v1/users", headers=headers)).json()[0]
    profile = user_profile(first)
    assert profile is not None and profile.clerk_user_id == created[-1].id
    assert profile.email == "u6@example.org"
    assert {"created_at", "updated_at", "email_addresses", "primary_email_address_id"} <= set(first)


async def test_users_can_be_filtered_by_id_and_sorted_ascending(stand_in: StandIn) -> None:
    a, _, c = stand_in.local.store.create_users(
        [(f"u{n}@example.org", None, None) for n in range(3)]
    )
    response = await stand_in.http.get(
        "/local-clerk/v1/users",
        params=[("user_id", a.id), ("user_id", c.id), ("order_by", "+created_at")],
        headers=stand_in.secret_headers,
    )
    expected = sorted([a, c], key=lambda u: (u.created_at, u.id))
    assert [u["id"] for u in response.json()] == [u.id for u in expected]


@pytest.mark.parametrize(
    "params",
    [{"limit": "501"}, {"limit": "0"}, {"offset": "-1"}, {"order_by": "-password"}],
)
async def test_bad_paging_gets_a_clear_error(stand_in: StandIn, params: dict[str, str]) -> None:
    response = await stand_in.http.get(
        "/local-clerk/v1/users", params=params, headers=stand_in.secret_headers
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "form_param_invalid"
    assert next(iter(params)) in response.json()["message"]


async def test_the_outage_switch_stops_webhooks_until_it_is_turned_off(stand_in: StandIn) -> None:
    await stand_in.pause_webhooks()
    state = await stand_in.http.get("/local-clerk/v1/outage", headers=stand_in.secret_headers)
    assert state.json() == {"webhooks_paused": True}
    lost = await stand_in.sign_up("lost@example.org")
    assert await stored_users() == {}
    assert not stand_in.local.webhooks.attempts

    await stand_in.pause_webhooks(False)
    arrived = await stand_in.sign_up("arrived@example.org")
    assert set(await stored_users()) == {arrived["user"]["id"]}
    assert lost["user"]["id"] not in await stored_users()


async def test_the_outage_switch_refuses_anything_but_a_boolean(stand_in: StandIn) -> None:
    response = await stand_in.http.post(
        "/local-clerk/v1/outage", json={"webhooks_paused": "yes"}, headers=stand_in.secret_headers
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "form_param_invalid"
