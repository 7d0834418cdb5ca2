"""Service functions over the users collection, safe under redelivery and reordering."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError

from clerk_fullstack.errors import DatabaseUnavailableError
from clerk_fullstack.models import DeletedUser, FavoriteColor, User, utcnow


class SyncResult(StrEnum):
    """What applying a Clerk user event did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    """A redelivery, or an event older than what is stored."""
    DELETED = "deleted"
    GONE = "gone"
    """The user was deleted earlier; the event is dropped so the user stays deleted."""


@dataclass(frozen=True, slots=True)
class UserProfile:
    """The user fields a `user.created`/`user.updated` event carries."""

    clerk_user_id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    clerk_updated_at: int
    """Clerk's `updated_at` in milliseconds: the version of this profile."""


def database_unavailable(exc: BaseException) -> DatabaseUnavailableError:
    """The app error (HTTP 503, so senders retry) for a driver failure."""
    error = DatabaseUnavailableError(f"Database unavailable: {type(exc).__name__}")
    error.__cause__ = exc
    return error


@contextlib.contextmanager
def _database_errors() -> Iterator[None]:
    """Turn driver failures, other than duplicate keys, into `DatabaseUnavailableError`."""
    try:
        yield
    except DuplicateKeyError:
        raise
    except PyMongoError as exc:
        raise database_unavailable(exc) from exc


async def save_profile(profile: UserProfile) -> SyncResult:
    """Store the profile unless a newer one is stored or the user was deleted.

    New users get a random favorite color; an existing user's color never changes.
    """
    users = User.get_pymongo_collection()
    now = utcnow()
    newer_than_stored = {
        "clerkUserId": profile.clerk_user_id,
        # Missing, null or older, as one condition: with `$or` SecantusDB scans the collection.
        "clerkUpdatedAt": {"$not": {"$gte": profile.clerk_updated_at}},
    }
    fields: dict[str, Any] = {
        "email": profile.email,
        "firstName": profile.first_name,
        "lastName": profile.last_name,
        "clerkUpdatedAt": profile.clerk_updated_at,
        "updatedAt": now,
    }
    with _database_errors():
        try:
            result = await users.update_one(
                newer_than_stored,
                {
                    "$set": fields,
                    "$setOnInsert": {
                        "favoriteColor": FavoriteColor.random().value,
                        "createdAt": now,
                    },
                },
                upsert=True,
            )
        except DuplicateKeyError:
            # The user exists with a version >= ours, or a concurrent insert won the race:
            # retry as a plain conditional update, which applies only if ours is newer.
            result = await users.update_one(newer_than_stored, {"$set": fields})
            if result.matched_count:
                return SyncResult.UPDATED
            # A redelivery. If the first attempt inserted the user but failed before its
            # tombstone check, this is where a delete that landed meanwhile still wins.
            return await _remove_if_deleted(profile.clerk_user_id, SyncResult.UNCHANGED)
        if result.upserted_id is None:
            return SyncResult.UPDATED
        # A delete may have landed before this insert; its tombstone wins.
        return await _remove_if_deleted(profile.clerk_user_id, SyncResult.CREATED)


async def _remove_if_deleted(clerk_user_id: str, otherwise: SyncResult) -> SyncResult:
    """Remove the user if a tombstone says it was deleted (GONE); else return `otherwise`."""
    if await DeletedUser.get_pymongo_collection().find_one({"_id": clerk_user_id}):
        await User.get_pymongo_collection().delete_one({"clerkUserId": clerk_user_id})
        return SyncResult.GONE
    return otherwise


async def delete_user(*, clerk_user_id: str) -> SyncResult:
    """Remove the user and leave a tombstone that keeps late events from recreating it."""
    with _database_errors():
        # Tombstone first: a concurrent create checks it after inserting, so one of us removes it.
        await DeletedUser.get_pymongo_collection().update_one(
            {"_id": clerk_user_id}, {"$setOnInsert": {"deletedAt": utcnow()}}, upsert=True
        )
        result = await User.get_pymongo_collection().delete_one({"clerkUserId": clerk_user_id})
    return SyncResult.DELETED if result.deleted_count else SyncResult.GONE
