"""A signed-in user the webhooks have not delivered: fetched from Clerk, over real HTTP.

The app's REST routes run on a real port; Clerk's Backend API is a Clerk-shaped double (or
the local emulator). MongoDB is checked after each case.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from clerk_fullstack.server.startup import reset_caches
from clerk_fullstack.users import service as users
from tests.helpers import http_client
from tests.helpers.emulator import Emulator, emulator, stored_user, stored_users
from tests.helpers.local_clerk import serve_http
from tests.helpers.payloads import user_created
from tests.helpers.real_http import rest_api
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import deliver
from tests.sync.clerk_double import SECRET_KEY, ClerkDouble, clerk_user

__all__ = ["emulator"]

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOT_FOUND_BODY = {"success": False, "message": "User not found", "reason": "user-not-synced"}


@pytest.fixture
def clerk(env: pytest.MonkeyPatch) -> Iterator[ClerkDouble]:
    """A Clerk double the app asks, with a deadline a busy machine still meets."""
    with ClerkDouble([clerk_user(n, updated_at=1_700_000_000_000) for n in range(3)]) as double:
        env.setenv("CLERK_API_URL", double.url)
        env.setenv("CLERK_SECRET_KEY", SECRET_KEY)
        env.setenv("CLERK_FETCH_MISSING_USERS", "true")
        env.setenv("CLERK_USER_FETCH_TIMEOUT_SECONDS", "10")
        env.setenv("CLERK_USER_FETCH_NEGATIVE_TTL_SECONDS", "60")
        yield double


@pytest.fixture
async def app(clerk: ClerkDouble, clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    """The REST routes on a real port."""
    async with (
        serve_http(rest_api()) as url,
        http_client.async_client(base_url=url, timeout=30) as client,
    ):
        yield client


def bearer(signing_key: SigningKey, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(signing_key, sub=user_id)}"}


async def test_a_user_clerk_has_gets_a_color_on_the_first_request_and_the_webhook_keeps_it(
    app: httpx.AsyncClient, clerk: ClerkDouble, signing_key: SigningKey
) -> None:
    user_id = "user_double_0001"
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, user_id))
    assert response.status_code == 200
    color = response.json()["payload"]
    stored = await stored_user(user_id)
    assert stored is not None
    assert (stored["favoriteColor"], stored["email"]) == (color, "u1@example.org")
    assert stored["clerkUpdatedAt"] == 1_700_000_000_000
    assert clerk.asked_about(user_id) == 1

    # The late `user.created` (same version) and a newer one: the color stays, newer data wins.
    for version, name in ((1_700_000_000_000, "U1"), (1_700_000_000_500, "Newer")):
        event = user_created(user_id, updated_at=version, first_name=name)
        assert (await deliver(app, event)).status_code == 200
        stored = await stored_user(user_id)
        assert stored is not None
        assert (stored["favoriteColor"], stored["firstName"]) == (color, name)
    again = await app.get("/user/favoriteColor", headers=bearer(signing_key, user_id))
    assert again.json()["payload"] == color
    assert clerk.asked_about(user_id) == 1  # stored now: Clerk is not asked again


async def test_a_user_unknown_to_clerk_is_404_stored_nowhere_and_not_asked_about_again(
    app: httpx.AsyncClient, clerk: ClerkDouble, signing_key: SigningKey
) -> None:
    for _ in range(3):
        response = await app.get("/user/favoriteColor", headers=bearer(signing_key, "user_nobody"))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND_BODY
    assert clerk.asked_about("user_nobody") == 1  # negative-cached within the TTL
    assert await stored_users() == {}


@pytest.mark.parametrize(
    "failure",
    [(503, {}, None), (500, {}, None), (429, {"Retry-After": "1"}, None), (401, {}, None)],
)
async def test_clerk_failing_gives_todays_answer_and_stores_nothing(
    app: httpx.AsyncClient,
    clerk: ClerkDouble,
    signing_key: SigningKey,
    failure: tuple[int, dict[str, str], None],
) -> None:
    clerk.failures.append(failure)
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, "user_double_0002"))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY
    assert await stored_users() == {}
    # Not remembered: once Clerk answers, the user is fetched.
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, "user_double_0002"))
    assert response.status_code == 200
    assert clerk.asked_about("user_double_0002") == 2


async def test_clerk_down_gives_todays_answer(
    app: httpx.AsyncClient, env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    env.setenv("CLERK_API_URL", "http://127.0.0.1:9")  # nothing listens
    reset_caches()
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, "user_double_0001"))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND_BODY
    assert await stored_users() == {}


async def test_clerk_slower_than_the_deadline_gives_todays_answer(
    app: httpx.AsyncClient, clerk: ClerkDouble, env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    env.setenv("CLERK_USER_FETCH_TIMEOUT_SECONDS", "0.5")
    reset_caches()
    clerk.hold = True
    started = asyncio.get_running_loop().time()
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, "user_double_0001"))
    took = asyncio.get_running_loop().time() - started
    assert response.status_code == 404
    assert 0.4 < took < 3.0  # the 0.5 s deadline, not the double's 30 s hold
    clerk.release_waiting_requests()
    await asyncio.sleep(0.2)  # the held answer arrives after the deadline: it is dropped
    assert await stored_users() == {}


async def test_100_concurrent_first_requests_ask_clerk_once_and_get_one_color(
    app: httpx.AsyncClient, clerk: ClerkDouble, signing_key: SigningKey
) -> None:
    user_id = "user_double_0000"
    headers = bearer(signing_key, user_id)
    responses = await asyncio.gather(
        *(app.get("/user/favoriteColor", headers=headers) for _ in range(100))
    )
    assert {r.status_code for r in responses} == {200}
    colors = {r.json()["payload"] for r in responses}
    assert len(colors) == 1
    assert clerk.asked_about(user_id) == 1
    stored = await stored_users()
    assert list(stored) == [user_id]
    assert stored[user_id]["favoriteColor"] == colors.pop()


async def test_a_deleted_user_is_never_brought_back_by_a_token(
    app: httpx.AsyncClient, clerk: ClerkDouble, signing_key: SigningKey
) -> None:
    user_id = "user_double_0001"
    await users.delete_user(clerk_user_id=user_id, deleted_at=1_800_000_000_000)
    response = await app.get("/user/favoriteColor", headers=bearer(signing_key, user_id))
    assert response.status_code == 404
    assert clerk.asked_about(user_id) == 0
    assert await stored_users() == {}


async def test_emulator_with_paused_webhooks_serves_the_color_on_the_first_request(
    emulator: Emulator, env: pytest.MonkeyPatch
) -> None:
    env.setenv("CLERK_FETCH_MISSING_USERS", "true")
    reset_caches()
    await emulator.pause_webhooks()
    signed_in = await emulator.sign_up("first-load@example.org", "First", "Load")
    assert await stored_users() == {}
    token = await signed_in.browser.token()
    response = await emulator.http.get(
        "/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    color = response.json()["payload"]
    stored = await stored_user(signed_in.user_id)
    assert stored is not None
    assert (stored["favoriteColor"], stored["email"]) == (color, "first-load@example.org")

    # Webhooks back: the next change arrives as `user.updated`; the color is kept.
    await emulator.pause_webhooks(False)
    await emulator.rename(signed_in, "Renamed")
    stored = await stored_user(signed_in.user_id)
    assert stored is not None
    assert (stored["favoriteColor"], stored["firstName"]) == (color, "Renamed")


async def test_emulator_answers_clerks_404_for_an_unknown_user(emulator: Emulator) -> None:
    response = await emulator.http.get(
        "/local-clerk/v1/users/user_unknown", headers=emulator.secret_headers
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "resource_not_found"
    unauthorized = await emulator.http.get("/local-clerk/v1/users/user_unknown")
    assert unauthorized.status_code == 401
