"""POST /webhooks over real HTTP into SecantusDB: a version far in the future is refused with a
JSON reason and stores nothing, so later genuine updates still apply."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from clerk_fullstack.users.models import DeletedUser, User
from clerk_fullstack.webhooks.events import MAX_VERSION
from tests.helpers.payloads import user_created, user_deleted, user_updated
from tests.helpers.real_http import api_over_http
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

HOUR_MS = 60 * 60 * 1000


@pytest.fixture
async def client(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with api_over_http() as client:
        yield client


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def stored(user_id: str) -> dict[str, object] | None:
    return await User.get_pymongo_collection().find_one({"clerkUserId": user_id}, {"_id": 0})


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "success": False,
        "message": f"'{field}' is more than an hour ahead of this server's clock",
        "reason": "version-in-the-future",
    }


async def test_an_update_from_the_far_future_is_refused_and_later_ones_apply(
    client: httpx.AsyncClient,
) -> None:
    now = now_ms()
    assert (await deliver(client, user_created("user_v", updated_at=now))).status_code == 200
    for version in (MAX_VERSION, now + 2 * HOUR_MS):
        late = user_updated("user_v", updated_at=version, first_name="Poison")
        refused(await deliver(client, late), "data.updated_at")
    doc = await stored("user_v")
    assert doc is not None and (doc["firstName"], doc["clerkUpdatedAt"]) == ("Example", now)

    genuine = user_updated("user_v", updated_at=now + 1, first_name="Genuine")
    assert (await deliver(client, genuine)).status_code == 200
    doc = await stored("user_v")
    assert doc is not None and (doc["firstName"], doc["clerkUpdatedAt"]) == ("Genuine", now + 1)


async def test_a_create_from_the_far_future_stores_nothing(client: httpx.AsyncClient) -> None:
    poisoned = user_created("user_v", updated_at=MAX_VERSION)
    refused(await deliver(client, poisoned), "data.updated_at")
    assert await stored("user_v") is None
    # A few minutes of clock skew is not "far": accepted.
    skewed = user_created("user_v", updated_at=now_ms() + 10 * 60 * 1000)
    assert (await deliver(client, skewed)).status_code == 200


async def test_a_deletion_dated_far_in_the_future_is_refused(client: httpx.AsyncClient) -> None:
    assert (await deliver(client, user_created("user_v", updated_at=now_ms()))).status_code == 200
    deletion = {**user_deleted("user_v"), "timestamp": MAX_VERSION}
    refused(await deliver(client, deletion), "timestamp")
    assert await stored("user_v") is not None
    assert await DeletedUser.get_pymongo_collection().count_documents({}) == 0
