"""Apply Clerk's user objects through the users service, counting what each one changed.

Every write is `users.save_profile`, the function `user.updated` uses, so Clerk's `updated_at`
orders a sync's writes against webhooks, and a rerun after an interruption converges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clerk_fullstack.core.errors import WebhookError, clip
from clerk_fullstack.users import service as users
from clerk_fullstack.users.clerk_api import ClerkAPIError
from clerk_fullstack.users.profile import UserProfile
from clerk_fullstack.webhooks.events import user_profile

CONCURRENT_WRITES = 16


@dataclass(slots=True)
class Summary:
    """What a sync did (or, in a dry run, would do)."""

    total: int = 0
    """Users Clerk reported at the start."""
    read: int = 0
    created: int = 0
    restored: int = 0
    """Of the created: users an earlier `--delete-missing` had deleted, now listed by Clerk."""
    updated: int = 0
    unchanged: int = 0
    kept_deleted: int = 0
    """Users whose deletion here is newer than their profile in Clerk."""
    deleted: int = 0
    missing: list[str] = field(default_factory=list)
    """Users stored here but absent from Clerk."""


def profile_of(data: dict[str, Any]) -> UserProfile:
    """The profile in a Clerk User object, or `ClerkAPIError` naming the field it lacks."""
    try:
        return user_profile(data)
    except WebhookError as exc:
        user_id = data.get("id")
        named = f" ({clip(user_id)})" if isinstance(user_id, str) else ""
        raise ClerkAPIError(f"Clerk returned a user this app cannot read{named}: {exc}") from None


async def apply_profiles(
    profiles: Sequence[UserProfile], summary: Summary, *, dry_run: bool
) -> None:
    """Write the profiles that are newer than what is stored; count each outcome."""
    ids = [p.clerk_user_id for p in profiles]
    versions = await users.stored_versions(ids)
    deletions = await users.tombstones_of(ids)
    limit = asyncio.Semaphore(CONCURRENT_WRITES)

    async def apply(profile: UserProfile) -> None:
        user_id = profile.clerk_user_id
        stored = versions.get(user_id)
        version = profile.clerk_updated_at
        tombstone = deletions.get(user_id)
        if stored is not None and stored >= version:
            summary.unchanged += 1
        elif tombstone is not None and not users.tombstone_lifts(tombstone, version):
            summary.kept_deleted += 1
        elif dry_run:
            if user_id in versions:
                summary.updated += 1
            else:
                summary.created += 1
                if tombstone and users.deleted_by_sync(tombstone):
                    summary.restored += 1
        else:
            async with limit:
                lifted = await users.lift_tombstone(profile)
                result = await users.save_profile(profile, kept=lifted.kept if lifted else None)
                count(summary, result)
                if lifted and lifted.by_sync and result == users.SyncResult.CREATED:
                    summary.restored += 1

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
