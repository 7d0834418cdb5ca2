"""The users service: every read and write of a user, safe under redelivery and reordering.

Concurrent calls share database round-trips (see `batching`): `user.created` deliveries become
one unordered `insert_many`, and color lookups one `find` with `$in`. Nothing is cached: every
answer comes from a database call issued after the request arrived.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from clerk_fullstack.users import colors
from clerk_fullstack.users.batching import Coalescer
from clerk_fullstack.users.models import (
    TOMBSTONE_CLERK_DELETED_AT,
    TOMBSTONE_DELETED_AT,
    TOMBSTONE_DELETED_BY,
    TOMBSTONE_FAVORITE_COLOR,
    TOMBSTONE_ID,
    TOMBSTONE_USER_CREATED_AT,
    USER,
    DeletedBy,
    FavoriteColor,
    KeptFields,
    new_user_document,
    new_user_fields,
    profile_fields,
    utcnow,
)
from clerk_fullstack.users.profile import UserProfile
from clerk_fullstack.users.store import (
    DUPLICATE_KEY,
    check_storable,
    database_call,
    not_storable,
    tombstones,
)
from clerk_fullstack.users.store import users as users_collection


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
class Lifted:
    """A tombstone a listing of Clerk's users lifted."""

    by_sync: bool
    """It was a sync's (`--delete-missing`): the user comes back with what it kept."""
    kept: KeptFields


async def create_user(profile: UserProfile) -> SyncResult:
    """Apply `user.created`: batched with concurrent creates, same outcome as `save_profile`."""
    return await _creates.submit(profile)


async def save_profile(profile: UserProfile, *, kept: KeptFields | None = None) -> SyncResult:
    """Store the profile unless a newer one is stored or the user was deleted.

    New users get a random favorite color (or the one `kept` by a lifted sync tombstone); an
    existing user's color never changes.
    """
    users = users_collection()
    now = utcnow()
    newer_than_stored = _newer_than_stored(profile)
    fields = profile_fields(profile, now=now)
    check_storable(fields)  # bson refuses e.g. a lone surrogate outside the driver's errors
    async with database_call():
        try:
            result = await users.update_one(
                newer_than_stored,
                {"$set": fields, "$setOnInsert": new_user_fields(now=now, kept=kept)},
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
            gone = await _drop_deleted([profile.clerk_user_id])
            return SyncResult.GONE if gone else SyncResult.UNCHANGED
        if result.upserted_id is None:
            return SyncResult.UPDATED
        # A delete may have landed before this insert; its tombstone wins.
        gone = await _drop_deleted([profile.clerk_user_id])
        return SyncResult.GONE if gone else SyncResult.CREATED


async def delete_user(
    *, clerk_user_id: str, deleted_at: int | None = None, by: DeletedBy = DeletedBy.WEBHOOK
) -> SyncResult:
    """Remove the user and leave a tombstone that keeps late events from recreating it.

    `deleted_at` is Clerk's time of the deletion (ms), which `lift_tombstone` compares with.
    A sync's tombstone (`by=DeletedBy.SYNC`) keeps the user's color and creation time, so a later
    listing that shows the user undoes the deletion; a webhook's turns any sync tombstone into
    its own, as Clerk has now confirmed the deletion.
    """
    update: dict[str, Any] = {"$setOnInsert": {TOMBSTONE_DELETED_AT: utcnow()}}
    if deleted_at is not None:
        update["$max"] = {TOMBSTONE_CLERK_DELETED_AT: deleted_at}
    async with database_call():
        if by is DeletedBy.SYNC:
            # Only a new tombstone is the sync's: a webhook's already there stays the webhook's.
            update["$setOnInsert"] |= {TOMBSTONE_DELETED_BY: by.value}
            stored = await users_collection().find_one({USER.clerk_user_id: clerk_user_id})
            if stored is not None:
                update["$setOnInsert"] |= {
                    TOMBSTONE_FAVORITE_COLOR: stored.get(USER.favorite_color),
                    TOMBSTONE_USER_CREATED_AT: stored.get(USER.created_at),
                }
        else:
            update["$set"] = {TOMBSTONE_DELETED_BY: by.value}
            update["$unset"] = {TOMBSTONE_FAVORITE_COLOR: "", TOMBSTONE_USER_CREATED_AT: ""}
        # Tombstone first: a concurrent create checks it after inserting, so one of us removes it.
        await tombstones().update_one({TOMBSTONE_ID: clerk_user_id}, update, upsert=True)
        result = await users_collection().delete_one({USER.clerk_user_id: clerk_user_id})
    return SyncResult.DELETED if result.deleted_count else SyncResult.GONE


def tombstone_lifts(tombstone: Mapping[str, Any], version: int) -> bool:
    """Whether a listing that shows the user at `version` (ms) lifts this tombstone.

    A sync's always: it was made only because a listing did not show the user. Any other only
    when Clerk changed the profile after Clerk's time of the deletion; without that time, never.
    """
    if tombstone.get(TOMBSTONE_DELETED_BY) == DeletedBy.SYNC.value:
        return True
    deleted_at = tombstone.get(TOMBSTONE_CLERK_DELETED_AT)
    return isinstance(deleted_at, int) and deleted_at < version


async def lift_tombstone(profile: UserProfile) -> Lifted | None:
    """Forget the user's deletion if `tombstone_lifts` says so; what was lifted, or None.

    Only a read of Clerk's Backend API calls this: a webhook never undoes a deletion.
    """
    user_id = profile.clerk_user_id
    async with database_call():
        by_sync = await tombstones().find_one_and_delete(
            {TOMBSTONE_ID: user_id, TOMBSTONE_DELETED_BY: DeletedBy.SYNC.value}
        )
        if by_sync is not None:
            return Lifted(by_sync=True, kept=kept_fields(by_sync))
        result = await tombstones().delete_one(
            {
                TOMBSTONE_ID: user_id,
                TOMBSTONE_CLERK_DELETED_AT: {"$lt": profile.clerk_updated_at},
            }
        )
    return Lifted(by_sync=False, kept=KeptFields()) if result.deleted_count else None


def kept_fields(tombstone: Mapping[str, Any]) -> KeptFields:
    """The color and creation time a sync's tombstone kept, where they are readable."""
    color = tombstone.get(TOMBSTONE_FAVORITE_COLOR)
    created_at = tombstone.get(TOMBSTONE_USER_CREATED_AT)
    return KeptFields(
        favorite_color=FavoriteColor(color) if color in set(FavoriteColor) else None,
        created_at=created_at if isinstance(created_at, datetime) else None,
    )


async def delete_missing_user(*, clerk_user_id: str, deleted_at: int) -> SyncResult:
    """Delete a user Clerk's listing no longer shows, with a sync's tombstone (which the next
    listing that shows the user lifts)."""
    return await delete_user(clerk_user_id=clerk_user_id, deleted_at=deleted_at, by=DeletedBy.SYNC)


def deleted_by_sync(tombstone: Mapping[str, Any]) -> bool:
    """Whether a tombstone is a sync's (`delete_missing_user`), not a `user.deleted` webhook's."""
    return tombstone.get(TOMBSTONE_DELETED_BY) == DeletedBy.SYNC.value


async def count_users() -> int:
    """How many users are stored."""
    async with database_call():
        return await users_collection().count_documents({})


async def stored_versions(clerk_user_ids: Collection[str]) -> dict[str, int | None]:
    """The stored users among `clerk_user_ids`, each with the Clerk version last applied."""
    async with database_call():
        return {
            doc[USER.clerk_user_id]: doc.get(USER.clerk_updated_at)
            async for doc in users_collection().find(
                {USER.clerk_user_id: {"$in": list(clerk_user_ids)}},
                {USER.clerk_user_id: 1, USER.clerk_updated_at: 1},
            )
        }


async def tombstones_of(clerk_user_ids: Collection[str]) -> dict[str, Mapping[str, Any]]:
    """The tombstones of the deleted users among `clerk_user_ids`."""
    async with database_call():
        return {
            doc[TOMBSTONE_ID]: doc
            async for doc in tombstones().find({TOMBSTONE_ID: {"$in": list(clerk_user_ids)}})
        }


async def ids_stored_before(moment: datetime) -> set[str]:
    """The ids of the users stored before `moment`."""
    async with database_call():
        cursor = users_collection().find(
            {USER.created_at: {"$lt": moment}}, {USER.clerk_user_id: 1}
        )
        return {doc[USER.clerk_user_id] async for doc in cursor}


async def is_deleted(clerk_user_id: str) -> bool:
    """Whether the user has a tombstone: deleted here, brought back only by a sync (see
    `tombstone_lifts`)."""
    async with database_call():
        found = await tombstones().find_one({TOMBSTONE_ID: clerk_user_id}, {TOMBSTONE_ID: 1})
    return found is not None


async def get_favorite_color(*, clerk_user_id: str) -> FavoriteColor | None:
    """The user's favorite color, or None; batched with concurrent lookups."""
    return await _colors.submit(clerk_user_id)


def _newer_than_stored(profile: UserProfile) -> dict[str, Any]:
    """Matches the user only while the stored version is older than the profile's."""
    return {
        USER.clerk_user_id: profile.clerk_user_id,
        # Missing, null or older, as one condition: with `$or` SecantusDB scans the collection.
        USER.clerk_updated_at: {"$not": {"$gte": profile.clerk_updated_at}},
    }


async def _drop_deleted(clerk_user_ids: Collection[str]) -> set[str]:
    """Delete wins: remove those of these users that have a tombstone; return their ids."""
    found = tombstones().find({TOMBSTONE_ID: {"$in": list(clerk_user_ids)}}, {TOMBSTONE_ID: 1})
    gone = {doc[TOMBSTONE_ID] async for doc in found}
    if gone:
        await users_collection().delete_many({USER.clerk_user_id: {"$in": list(gone)}})
    return gone


async def _create_many(profiles: Sequence[UserProfile]) -> list[SyncResult | BaseException]:
    """Insert new users in one call; existing ones take the conditional-update path.

    Each item fails alone: a document that cannot be encoded never reaches the batch, and one
    the database refuses gets its own 422. A write-concern error fails the whole batch (503).
    """
    now = utcnow()
    outcomes: list[SyncResult | BaseException | None] = [None] * len(profiles)
    docs: dict[int, dict[str, Any]] = {}
    for i, profile in enumerate(profiles):
        doc = {"_id": ObjectId(), **new_user_document(profile, now=now)}
        try:
            check_storable(doc)
        except Exception as exc:  # noqa: BLE001 - this item's own error, raised to its caller
            outcomes[i] = exc
        else:
            docs[i] = doc
    order = list(docs)  # insert_many reports errors by position in the list it was given
    existing: list[int] = []
    async with database_call():
        try:
            if order:
                await users_collection().insert_many([docs[i] for i in order], ordered=False)
        except BulkWriteError as exc:
            if exc.details.get("writeConcernErrors"):
                raise  # nothing in this batch is known to be durable: every sender retries
            for error in exc.details.get("writeErrors", []):
                index = order[int(error["index"])]
                if error.get("code") == DUPLICATE_KEY:
                    existing.append(index)
                else:
                    outcomes[index] = not_storable(str(error.get("errmsg", "write error")))
        inserted = [i for i in order if outcomes[i] is None and i not in existing]
        gone = await _drop_deleted({profiles[i].clerk_user_id for i in inserted})
    for i in inserted:
        outcomes[i] = SyncResult.GONE if profiles[i].clerk_user_id in gone else SyncResult.CREATED
    for i in existing:
        try:
            outcomes[i] = await save_profile(profiles[i])
        except Exception as exc:  # noqa: BLE001 - this item's own error, raised to its caller
            outcomes[i] = exc
    return [o if o is not None else RuntimeError("no outcome") for o in outcomes]


_creates: Coalescer[UserProfile, SyncResult] = Coalescer(_create_many)
_colors: Coalescer[str, FavoriteColor | None] = Coalescer(colors.colors_many)
