"""The users service against a real SecantusDB: what each call leaves in the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clerk_fullstack.users import service as users
from clerk_fullstack.users.models import DeletedUser, FavoriteColor, KeptFields, User
from clerk_fullstack.users.profile import UserProfile
from clerk_fullstack.users.service import Lifted, SyncResult

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

COLORS = {color.value for color in FavoriteColor}


def profile(
    user_id: str = "user_s", version: int = 1_000, first_name: str | None = "Ada"
) -> UserProfile:
    return UserProfile(user_id, f"{user_id}@example.org", first_name, "Lovelace", version)


async def stored(user_id: str = "user_s") -> dict[str, Any] | None:
    return await User.get_pymongo_collection().find_one({"clerkUserId": user_id}, {"_id": 0})


async def tombstone(user_id: str = "user_s") -> dict[str, Any] | None:
    return await DeletedUser.get_pymongo_collection().find_one({"_id": user_id})


async def test_create_user_stores_the_tutorials_shape_with_a_random_color() -> None:
    assert await users.create_user(profile()) is SyncResult.CREATED
    doc = await stored()
    assert doc is not None
    created_at, updated_at = doc.pop("createdAt"), doc.pop("updatedAt")
    assert isinstance(created_at, datetime) and created_at == updated_at
    assert doc.pop("favoriteColor") in COLORS
    assert doc == {
        "clerkUserId": "user_s",
        "email": "user_s@example.org",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "clerkUpdatedAt": 1_000,
    }


async def test_a_redelivered_create_changes_nothing() -> None:
    await users.create_user(profile())
    first = await stored()
    assert await users.create_user(profile()) is SyncResult.UNCHANGED
    assert await stored() == first
    assert await users.count_users() == 1


async def test_concurrent_creates_store_one_document_each() -> None:
    results = await asyncio.gather(
        *(users.create_user(profile(f"user_{n % 5}")) for n in range(20))
    )
    assert results.count(SyncResult.CREATED) == 5
    assert set(results) == {SyncResult.CREATED, SyncResult.UNCHANGED}
    assert await users.count_users() == 5


async def test_a_newer_profile_changes_the_names_never_the_color_nor_creation() -> None:
    await users.create_user(profile(version=1_000))
    before = await stored()
    assert before is not None
    assert await users.save_profile(profile(version=2_000, first_name="Augusta")) is (
        SyncResult.UPDATED
    )
    after = await stored()
    assert after is not None
    assert (after["firstName"], after["clerkUpdatedAt"]) == ("Augusta", 2_000)
    for field in ("favoriteColor", "createdAt"):
        assert after[field] == before[field]
    assert after["updatedAt"] >= before["updatedAt"]


@pytest.mark.parametrize("version", [1_000, 999, 0])
async def test_the_same_or_an_older_profile_changes_nothing(version: int) -> None:
    await users.save_profile(profile(version=1_000))
    before = await stored()
    assert await users.save_profile(profile(version=version, first_name="Stale")) is (
        SyncResult.UNCHANGED
    )
    assert await stored() == before


async def test_save_profile_creates_a_missing_user_and_gives_back_what_a_sync_kept() -> None:
    assert await users.save_profile(profile("user_new")) is SyncResult.CREATED
    assert (await stored("user_new") or {})["favoriteColor"] in COLORS
    created_at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    kept = KeptFields(favorite_color=FavoriteColor.GREEN, created_at=created_at)
    assert await users.save_profile(profile("user_kept"), kept=kept) is SyncResult.CREATED
    doc = await stored("user_kept")
    assert doc is not None
    assert (doc["favoriteColor"], doc["createdAt"]) == ("GREEN", created_at)


async def test_a_webhook_delete_removes_the_user_and_leaves_a_tombstone() -> None:
    await users.create_user(profile())
    result = await users.delete_user(clerk_user_id="user_s", deleted_at=5_000)
    assert result is SyncResult.DELETED
    assert await stored() is None
    stone = await tombstone()
    assert stone is not None
    assert isinstance(stone.pop("deletedAt"), datetime)
    assert stone == {"_id": "user_s", "clerkDeletedAt": 5_000, "deletedBy": "webhook"}
    assert users.deleted_by_sync(stone) is False
    assert await users.is_deleted("user_s")


async def test_a_second_delete_is_gone_and_keeps_clerks_latest_deletion_time() -> None:
    await users.create_user(profile())
    await users.delete_user(clerk_user_id="user_s", deleted_at=5_000)
    first = await tombstone()
    assert await users.delete_user(clerk_user_id="user_s", deleted_at=4_000) is SyncResult.GONE
    assert await tombstone() == first  # `$max`: an older time never lowers it
    await users.delete_user(clerk_user_id="user_s", deleted_at=6_000)
    stone = await tombstone()
    assert stone is not None
    assert (stone["clerkDeletedAt"], stone["deletedAt"]) == (6_000, (first or {})["deletedAt"])


async def test_no_create_nor_update_brings_a_deleted_user_back() -> None:
    await users.delete_user(clerk_user_id="user_s", deleted_at=5_000)
    assert await users.create_user(profile(version=9_000)) is SyncResult.GONE
    assert await users.save_profile(profile(version=9_000)) is SyncResult.GONE
    assert await stored() is None
    assert await users.count_users() == 0


async def test_a_sync_delete_keeps_the_color_and_creation_time_in_its_tombstone() -> None:
    await users.create_user(profile())
    doc = await stored()
    assert doc is not None
    result = await users.delete_missing_user(clerk_user_id="user_s", deleted_at=5_000)
    assert result is SyncResult.DELETED
    assert await stored() is None
    stone = await tombstone()
    assert stone is not None
    assert stone["deletedBy"] == "sync"
    assert stone["clerkDeletedAt"] == 5_000
    assert (stone["favoriteColor"], stone["userCreatedAt"]) == (
        doc["favoriteColor"],
        doc["createdAt"],
    )
    assert users.deleted_by_sync(stone)
    assert users.kept_fields(stone) == KeptFields(
        favorite_color=FavoriteColor(doc["favoriteColor"]), created_at=doc["createdAt"]
    )


async def test_a_webhook_delete_turns_a_sync_tombstone_into_its_own() -> None:
    await users.create_user(profile())
    await users.delete_missing_user(clerk_user_id="user_s", deleted_at=5_000)
    assert await users.delete_user(clerk_user_id="user_s", deleted_at=6_000) is SyncResult.GONE
    stone = await tombstone()
    assert stone is not None
    assert (stone["deletedBy"], stone["clerkDeletedAt"]) == ("webhook", 6_000)
    assert "favoriteColor" not in stone and "userCreatedAt" not in stone


async def test_a_sync_delete_leaves_a_webhook_tombstone_the_webhooks() -> None:
    await users.delete_user(clerk_user_id="user_s", deleted_at=5_000)
    await users.delete_missing_user(clerk_user_id="user_s", deleted_at=6_000)
    stone = await tombstone()
    assert stone is not None
    assert (stone["deletedBy"], stone["clerkDeletedAt"]) == ("webhook", 6_000)
    assert "favoriteColor" not in stone


async def test_lifting_a_sync_tombstone_gives_back_what_it_kept() -> None:
    await users.create_user(profile())
    doc = await stored()
    assert doc is not None
    await users.delete_missing_user(clerk_user_id="user_s", deleted_at=5_000)
    lifted = await users.lift_tombstone(profile(version=1_000))  # whatever the version
    kept = KeptFields(FavoriteColor(doc["favoriteColor"]), doc["createdAt"])
    assert lifted == Lifted(by_sync=True, kept=kept)
    assert await tombstone() is None
    assert await users.save_profile(profile(version=1_000), kept=kept) is SyncResult.CREATED
    back = await stored()
    assert back is not None
    assert (back["favoriteColor"], back["createdAt"]) == (doc["favoriteColor"], doc["createdAt"])


async def test_a_webhook_tombstone_lifts_only_for_a_change_after_the_deletion() -> None:
    await users.delete_user(clerk_user_id="user_s", deleted_at=5_000)
    for version in (4_000, 5_000):
        assert await users.lift_tombstone(profile(version=version)) is None
        assert await tombstone() is not None
    lifted = await users.lift_tombstone(profile(version=5_001))
    assert lifted == Lifted(by_sync=False, kept=KeptFields())
    assert await tombstone() is None


async def test_a_tombstone_without_clerks_deletion_time_never_lifts() -> None:
    await users.delete_user(clerk_user_id="user_s")
    stone = await tombstone()
    assert stone is not None and "clerkDeletedAt" not in stone
    assert await users.lift_tombstone(profile(version=10**12)) is None
    assert await tombstone() is not None
    assert await users.lift_tombstone(profile("user_never_deleted")) is None


async def test_get_favorite_color_reads_the_stored_color() -> None:
    await users.create_user(profile())
    doc = await stored()
    assert doc is not None
    assert await users.get_favorite_color(clerk_user_id="user_s") == doc["favoriteColor"]
    assert await users.get_favorite_color(clerk_user_id="user_unknown") is None
    colors = await asyncio.gather(
        *(users.get_favorite_color(clerk_user_id=uid) for uid in ("user_s", "user_x", "user_s"))
    )
    assert colors == [doc["favoriteColor"], None, doc["favoriteColor"]]


async def test_count_users_and_stored_versions_read_what_is_stored() -> None:
    assert await users.count_users() == 0
    await users.create_user(profile("user_a", version=10))
    await users.create_user(profile("user_b", version=20))
    await User.get_pymongo_collection().insert_one(
        {"clerkUserId": "user_legacy", "favoriteColor": "RED"}  # the tutorial's, unversioned
    )
    assert await users.count_users() == 3
    versions = await users.stored_versions(["user_a", "user_b", "user_legacy", "user_none"])
    assert versions == {"user_a": 10, "user_b": 20, "user_legacy": None}
    assert await users.stored_versions([]) == {}


async def test_tombstones_of_returns_the_deleted_among_the_ids() -> None:
    await users.delete_user(clerk_user_id="user_a", deleted_at=1)
    await users.delete_missing_user(clerk_user_id="user_b", deleted_at=2)
    found = await users.tombstones_of(["user_a", "user_b", "user_c"])
    assert set(found) == {"user_a", "user_b"}
    assert (found["user_a"]["deletedBy"], found["user_b"]["deletedBy"]) == ("webhook", "sync")


async def test_ids_stored_before_compares_the_creation_time() -> None:
    await users.create_user(profile("user_early"))
    stored_early = await stored("user_early")
    assert stored_early is not None
    moment = stored_early["createdAt"] + timedelta(milliseconds=1)
    await asyncio.sleep(0.01)
    await users.create_user(profile("user_late"))
    assert await users.ids_stored_before(moment) == {"user_early"}
    assert await users.ids_stored_before(moment - timedelta(seconds=1)) == set()
    assert await users.ids_stored_before(datetime.now(UTC) + timedelta(seconds=1)) == {
        "user_early",
        "user_late",
    }


async def test_delete_missing_user_of_an_unknown_user_still_leaves_a_sync_tombstone() -> None:
    result = await users.delete_missing_user(clerk_user_id="user_unknown", deleted_at=7)
    assert result is SyncResult.GONE
    stone = await tombstone("user_unknown")
    assert stone is not None
    assert (stone["deletedBy"], stone["clerkDeletedAt"]) == ("sync", 7)
    assert "favoriteColor" not in stone
