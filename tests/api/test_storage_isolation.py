"""Over real HTTP into SecantusDB: a document the database refuses fails alone, write-concern
errors are 503, and a stored color the app does not know never fails a neighbour's lookup."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import WriteConcern

from clerk_fullstack.core.errors import UserNotStorableError
from clerk_fullstack.users import service as users
from clerk_fullstack.users import store
from clerk_fullstack.users.models import User
from clerk_fullstack.users.profile import UserProfile
from tests.helpers.payloads import user_created, user_deleted, user_updated
from tests.helpers.real_http import api_over_http, stored_ids
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

COLORS = {"RED", "GREEN", "BLUE"}


@pytest.fixture
async def client(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with api_over_http() as client:
        yield client


@pytest.fixture
async def email_validator(clean_db: None) -> AsyncIterator[None]:
    """A schema validator, as a DBA might add, that refuses emails over 60 characters."""
    database = User.get_pymongo_collection().database
    schema = {"$jsonSchema": {"properties": {"email": {"maxLength": 60}}}}
    await database.command({"collMod": "users", "validator": schema})
    yield
    await database.command({"collMod": "users", "validator": {}})


@pytest.mark.usefixtures("email_validator")
async def test_a_user_the_database_refuses_fails_alone(client: httpx.AsyncClient) -> None:
    good = [f"user_ok_{n}" for n in range(8)]
    refused, *fine = await asyncio.gather(
        deliver(client, user_created("user_refused", email="x" * 80 + "@example.org")),
        *(deliver(client, user_created(user_id)) for user_id in good),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["reason"] == "user-not-storable"
    assert [response.status_code for response in fine] == [200] * len(good)
    assert await stored_ids() == set(good)


@pytest.mark.usefixtures("email_validator")
async def test_an_update_the_database_refuses_is_422(client: httpx.AsyncClient) -> None:
    assert (await deliver(client, user_created("user_1", updated_at=1))).status_code == 200
    response = await deliver(client, user_updated("user_1", updated_at=2, email="y" * 90))
    assert (response.status_code, response.json()["reason"]) == (422, "user-not-storable")


async def test_an_unencodable_profile_fails_alone_in_a_batch(clean_db: None) -> None:
    """The service itself, below the parser's check: bson refuses a lone surrogate."""

    def profile(user_id: str, name: str | None = "Ann") -> UserProfile:
        return UserProfile(user_id, f"{user_id}@example.org", name, None, 1)

    outcomes = await asyncio.gather(
        users.create_user(profile("user_bad", "\ud800")),
        *(users.create_user(profile(f"user_ok_{n}")) for n in range(5)),
        return_exceptions=True,
    )
    assert getattr(outcomes[0], "reason", None) == "user-not-storable"
    assert outcomes[1:] == [users.SyncResult.CREATED] * 5
    assert await stored_ids() == {f"user_ok_{n}" for n in range(5)}


async def test_a_write_concern_error_is_503_for_every_write(
    client: httpx.AsyncClient, env: pytest.MonkeyPatch
) -> None:
    """SecantusDB answers w=5 with a real writeConcernError (it is a single server)."""
    assert (await deliver(client, user_created("user_old", updated_at=1))).status_code == 200
    env.setattr(store, "WRITE_CONCERN", WriteConcern(w=5))
    responses = await asyncio.gather(
        *(deliver(client, user_created(f"user_new_{n}")) for n in range(4)),
        deliver(client, user_updated("user_old", updated_at=2, first_name="Changed")),
        deliver(client, user_deleted("user_old")),
    )
    for response in responses:
        assert (response.status_code, response.json()["reason"]) == (503, "database-unavailable")
        assert response.json()["message"] == "Database unavailable, try again later."
        assert "WriteConcern" not in response.text  # the driver's error stays in the log
    env.setattr(store, "WRITE_CONCERN", WriteConcern(w="majority", j=True))
    # Svix retries: every redelivery now succeeds, and the outcome is as if delivered once.
    retried = [await deliver(client, user_created(f"user_new_{n}")) for n in range(4)]
    assert [response.status_code for response in retried] == [200] * 4
    assert (await deliver(client, user_deleted("user_old"))).status_code == 200
    assert await stored_ids() == {f"user_new_{n}" for n in range(4)}


def test_webhook_writes_ask_for_majority_and_journal() -> None:
    assert store.WRITE_CONCERN.document == {"w": "majority", "j": True}
    assert store.users().write_concern == store.WRITE_CONCERN


async def test_unknown_stored_colors_are_redrawn_without_failing_neighbours(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    documents: list[dict[str, Any]] = [
        {"clerkUserId": "user_red", "favoriteColor": "RED"},
        {"clerkUserId": "user_purple", "favoriteColor": "purple"},
        {"clerkUserId": "user_none"},
        {"clerkUserId": "user_number", "favoriteColor": 7},
    ]
    await User.get_pymongo_collection().insert_many(documents)
    ids = [doc["clerkUserId"] for doc in documents] * 3
    responses = await asyncio.gather(
        *(
            client.get(
                "/user/favoriteColor",
                headers={"Authorization": f"Bearer {mint_token(signing_key, sub=user_id)}"},
            )
            for user_id in ids
        )
    )
    assert [response.status_code for response in responses] == [200] * len(ids)
    seen: dict[str, set[str]] = {}
    for user_id, response in zip(ids, responses, strict=True):
        seen.setdefault(user_id, set()).add(response.json()["payload"])
    assert seen["user_red"] == {"RED"}
    stored = {doc["clerkUserId"]: doc async for doc in User.get_pymongo_collection().find({})}
    for user_id, legacy in [("user_purple", "purple"), ("user_number", 7)]:
        assert stored[user_id]["legacyFavoriteColor"] == legacy  # nothing is lost
    for user_id in ("user_purple", "user_none", "user_number"):
        # One re-drawn color, the same in every answer and in the database.
        assert seen[user_id] == {stored[user_id]["favoriteColor"]} and seen[user_id] <= COLORS


async def test_an_unencodable_update_is_422_not_a_server_error(clean_db: None) -> None:
    profile = UserProfile("user_bad", None, "\udfff", None, 1)
    with pytest.raises(UserNotStorableError) as caught:
        await users.save_profile(profile)
    assert caught.value.status_code == 422
    assert await stored_ids() == set()
