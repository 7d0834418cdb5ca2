"""Deletion times on tombstones: what lets a sync, and only a sync, bring a user back."""

from __future__ import annotations

import httpx
import pytest

from clerk_fullstack.users import service as users
from clerk_fullstack.users.models import DeletedUser
from clerk_fullstack.users.profile import UserProfile
from tests.helpers.payloads import user_deleted, user_updated
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.integration


def profile(updated_at: int) -> UserProfile:
    return UserProfile("user_t", "t@example.org", "T", None, clerk_updated_at=updated_at)


async def test_a_user_deleted_webhook_keeps_clerks_deletion_time(api: httpx.AsyncClient) -> None:
    event = user_deleted("user_t")
    assert (await deliver(api, event)).status_code == 200
    tombstone = await DeletedUser.get_pymongo_collection().find_one({"_id": "user_t"})
    assert tombstone is not None and tombstone["clerkDeletedAt"] == event["timestamp"]


async def test_a_newer_webhook_still_never_lifts_a_tombstone(api: httpx.AsyncClient) -> None:
    deleted = user_deleted("user_t")
    await deliver(api, deleted)
    late = user_updated("user_t", updated_at=int(deleted["timestamp"]) + 1)
    response = await deliver(api, late)
    assert response.json()["message"] == "Webhook received: user gone"


async def test_only_a_profile_newer_than_the_deletion_lifts_it(clean_db: None) -> None:
    await users.delete_user(clerk_user_id="user_t", deleted_at=1000)
    assert not await users.lift_tombstone(profile(1000))
    assert await users.save_profile(profile(1000)) == users.SyncResult.GONE
    assert await users.lift_tombstone(profile(1001))
    assert await users.save_profile(profile(1001)) == users.SyncResult.CREATED


async def test_a_tombstone_without_clerks_time_is_never_lifted(clean_db: None) -> None:
    await users.delete_user(clerk_user_id="user_t")
    assert not await users.lift_tombstone(profile(10**13))
    assert await DeletedUser.get_pymongo_collection().count_documents({}) == 1
