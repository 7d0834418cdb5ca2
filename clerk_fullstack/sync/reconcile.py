"""Reconcile the `users` collection with Clerk's user list, through the users service.

Every write is `users.save_profile`, the function `user.updated` uses, so Clerk's `updated_at`
orders a sync's writes against webhooks and a rerun after an interruption converges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clerk_fullstack import users
from clerk_fullstack.events import user_profile
from clerk_fullstack.models import (
    TOMBSTONE_CLERK_DELETED_AT,
    TOMBSTONE_ID,
    USER,
    DeletedUser,
    User,
    UserProfile,
    utcnow,
)
from clerk_fullstack.sync.clerk_api import MAX_PAGE_SIZE, ClerkAPIError, ClerkUsersAPI

CONCURRENT_WRITES = 16
CONFIRM_BATCH = 100
"""User ids per `GET /v1/users?user_id=…` when double-checking users that look missing."""


@dataclass(slots=True)
class Summary:
    """What a sync did (or, in a dry run, would do)."""

    total: int = 0
    """Users Clerk reported at the start."""
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_deleted: int = 0
    """Users whose deletion here is newer than their profile in Clerk."""
    deleted: int = 0
    missing: list[str] = field(default_factory=list)
    """Users stored here but absent from Clerk."""


Report = Callable[[Summary], None]


async def reconcile(
    api: ClerkUsersAPI,
    *,
    dry_run: bool = False,
    delete_missing: bool = False,
    since: datetime | None = None,
    page_size: int = MAX_PAGE_SIZE,
    report: Report = lambda summary: None,
) -> Summary:
    """Apply every Clerk user to MongoDB; then list (or delete) users Clerk no longer has."""
    started = utcnow()
    summary = Summary(total=await api.count_users())
    seen: set[str] = set()
    order_by = "-updated_at" if since else "-created_at"
    since_ms = int(since.timestamp() * 1000) if since else None
    async for page in api.pages(order_by=order_by, page_size=page_size):
        profiles = [_profile(data) for data in page]
        summary.read += len(profiles)
        seen.update(p.clerk_user_id for p in profiles)
        if since_ms is not None:
            profiles = [p for p in profiles if p.clerk_updated_at >= since_ms]
        await apply_profiles(profiles, summary, dry_run=dry_run)
        report(summary)
        if since_ms is not None and len(profiles) < len(page):
            break  # sorted by -updated_at: the rest is older than --since
    if since is None:
        await settle_missing(api, seen, started, summary, dry_run=dry_run)
        if delete_missing and summary.read and summary.missing:
            await delete_users(summary, started, dry_run=dry_run)
    return summary


def _profile(data: dict[str, Any]) -> UserProfile:
    profile = user_profile(data)
    if profile is None:
        raise ClerkAPIError(f"Clerk returned a user without id or updated_at: {data.get('id')!r}")
    return profile


async def apply_profiles(
    profiles: Sequence[UserProfile], summary: Summary, *, dry_run: bool
) -> None:
    """Write the profiles that are newer than what is stored; count each outcome."""
    ids = [p.clerk_user_id for p in profiles]
    versions = {
        doc[USER.clerk_user_id]: doc.get(USER.clerk_updated_at)
        async for doc in User.get_pymongo_collection().find(
            {USER.clerk_user_id: {"$in": ids}}, {USER.clerk_user_id: 1, USER.clerk_updated_at: 1}
        )
    }
    deletions = {
        doc[TOMBSTONE_ID]: doc.get(TOMBSTONE_CLERK_DELETED_AT)
        async for doc in DeletedUser.get_pymongo_collection().find({TOMBSTONE_ID: {"$in": ids}})
    }
    limit = asyncio.Semaphore(CONCURRENT_WRITES)

    async def apply(profile: UserProfile) -> None:
        user_id = profile.clerk_user_id
        stored = versions.get(user_id)
        version = profile.clerk_updated_at
        deleted_at = deletions.get(user_id)
        if stored is not None and stored >= version:
            summary.unchanged += 1
        elif user_id in deletions and (deleted_at is None or deleted_at >= version):
            summary.kept_deleted += 1
        elif dry_run:
            if user_id in versions:
                summary.updated += 1
            else:
                summary.created += 1
        else:
            async with limit:
                await users.lift_tombstone(profile)
                count(summary, await users.save_profile(profile))

    await asyncio.gather(*(apply(p) for p in profiles))


def count(summary: Summary, result: users.SyncResult) -> None:
    """Add one service outcome to the summary."""
    match result:
        case users.SyncResult.CREATED:
            summary.created += 1
        case users.SyncResult.UPDATED:
            summary.updated += 1
        case users.SyncResult.GONE:
            summary.kept_deleted += 1
        case _:
            summary.unchanged += 1


async def settle_missing(
    api: ClerkUsersAPI, seen: set[str], started: datetime, summary: Summary, *, dry_run: bool
) -> None:
    """Find stored users the listing did not show, and ask Clerk about each by id.

    Users stored after the sync began are left out: they may be new in Clerk since our read.
    The by-id check catches users a paging shift hid (a deletion in Clerk moves the offsets).
    """
    cursor = User.get_pymongo_collection().find(
        {USER.created_at: {"$lt": started}}, {USER.clerk_user_id: 1}
    )
    candidates = sorted({d[USER.clerk_user_id] async for d in cursor} - seen)
    found: set[str] = set()
    for start in range(0, len(candidates), CONFIRM_BATCH):
        batch = candidates[start : start + CONFIRM_BATCH]
        page = await api.list_users(limit=MAX_PAGE_SIZE, order_by="-created_at", user_ids=batch)
        profiles = [_profile(data) for data in page if data.get("id") in batch]
        found.update(p.clerk_user_id for p in profiles)
        await apply_profiles(profiles, summary, dry_run=dry_run)
    summary.missing = [user_id for user_id in candidates if user_id not in found]


async def delete_users(summary: Summary, started: datetime, *, dry_run: bool) -> None:
    """Delete the missing users, with tombstones dated when this sync read Clerk."""
    deleted_at = int(started.timestamp() * 1000)
    for user_id in summary.missing:
        if dry_run:
            summary.deleted += 1
            continue
        result = await users.delete_user(clerk_user_id=user_id, deleted_at=deleted_at)
        summary.deleted += result == users.SyncResult.DELETED
