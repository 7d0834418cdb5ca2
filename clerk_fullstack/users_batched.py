"""The two hot user operations, coalesced: concurrent requests share one database round-trip.

- `create_user`: `user.created` deliveries become one unordered `insert_many`, one tombstone
  lookup, and the usual conditional update only for users that already exist.
- `get_favorite_color`: concurrent lookups become one `find` with `$in`.

Nothing is cached: every answer comes from a database call issued after the request arrived,
so a deleted user gets 404 and a changed color is seen as soon as the database has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError, PyMongoError

from clerk_fullstack import users
from clerk_fullstack.batching import PerLoop
from clerk_fullstack.models import DeletedUser, FavoriteColor, User, utcnow
from clerk_fullstack.users import SyncResult, UserProfile, database_unavailable

DUPLICATE_KEY = 11000


async def _create_many(
    profiles: Sequence[UserProfile],
) -> list[SyncResult | BaseException]:
    """Insert new users in one call; existing ones take the conditional-update path."""
    collection = User.get_pymongo_collection()
    now = utcnow()
    docs: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "clerkUserId": p.clerk_user_id,
            "email": p.email,
            "firstName": p.first_name,
            "lastName": p.last_name,
            "clerkUpdatedAt": p.clerk_updated_at,
            "favoriteColor": FavoriteColor.random().value,
            "createdAt": now,
            "updatedAt": now,
        }
        for p in profiles
    ]
    outcomes: list[SyncResult | BaseException | None] = [None] * len(docs)
    existing: list[int] = []
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        for error in exc.details.get("writeErrors", []):
            index = int(error["index"])
            if error.get("code") == DUPLICATE_KEY:
                existing.append(index)
            else:
                outcomes[index] = database_unavailable(exc)
    except PyMongoError as exc:
        raise database_unavailable(exc) from exc
    inserted = [i for i in range(len(docs)) if i not in existing and outcomes[i] is None]
    if inserted:
        # A delete may have landed before these inserts; its tombstone wins (as in users.py).
        try:
            tombstones = DeletedUser.get_pymongo_collection().find(
                {"_id": {"$in": [docs[i]["clerkUserId"] for i in inserted]}}, {"_id": 1}
            )
            gone = {doc["_id"] async for doc in tombstones}
            if gone:
                await collection.delete_many(
                    {
                        "_id": {
                            "$in": [
                                docs[i]["_id"] for i in inserted if docs[i]["clerkUserId"] in gone
                            ]
                        }
                    }
                )
        except PyMongoError as exc:
            raise database_unavailable(exc) from exc
        for i in inserted:
            outcomes[i] = SyncResult.GONE if docs[i]["clerkUserId"] in gone else SyncResult.CREATED
    for i in existing:
        try:
            outcomes[i] = await users.save_profile(profiles[i])
        except Exception as exc:  # noqa: BLE001 - this item's own error, raised to its caller
            outcomes[i] = exc
    return [o if o is not None else RuntimeError("no outcome") for o in outcomes]


async def _colors_many(clerk_user_ids: Sequence[str]) -> list[FavoriteColor | None]:
    """Favorite colors for many users in one query."""
    try:
        cursor = User.get_pymongo_collection().find(
            {"clerkUserId": {"$in": sorted(set(clerk_user_ids))}},
            {"clerkUserId": 1, "favoriteColor": 1, "_id": 0},
        )
        found = {doc["clerkUserId"]: doc["favoriteColor"] async for doc in cursor}
    except PyMongoError as exc:
        raise database_unavailable(exc) from exc
    return [FavoriteColor(found[i]) if i in found else None for i in clerk_user_ids]


_creates: PerLoop[UserProfile, SyncResult] = PerLoop(_create_many)
_colors: PerLoop[str, FavoriteColor | None] = PerLoop(_colors_many)


async def create_user(profile: UserProfile) -> SyncResult:
    """Apply a `user.created` profile, batched with concurrent ones; same result as save_profile."""
    return await _creates.submit(profile)


async def get_favorite_color(*, clerk_user_id: str) -> FavoriteColor | None:
    """The user's favorite color, or None; batched with concurrent lookups."""
    return await _colors.submit(clerk_user_id)
