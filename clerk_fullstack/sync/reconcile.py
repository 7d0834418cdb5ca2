"""Reconcile the `users` collection with Clerk's user list, then settle users Clerk lacks.

Clerk's `GET /v1/users` is read page by page; each page goes through `apply.apply_profiles`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from clerk_fullstack.sync.apply import Summary, apply_profiles, profile_of
from clerk_fullstack.sync.guards import check_deletion_share
from clerk_fullstack.users import service as users
from clerk_fullstack.users.clerk_api import MAX_PAGE_SIZE, ClerkUsersAPI

CONFIRM_BATCH = 100
"""User ids per `GET /v1/users?user_id=…` when double-checking users that look missing."""


Report = Callable[[Summary], None]


async def reconcile(
    api: ClerkUsersAPI,
    *,
    dry_run: bool = False,
    delete_missing: bool = False,
    force: bool = False,
    since: datetime | None = None,
    page_size: int = MAX_PAGE_SIZE,
    report: Report = lambda summary: None,
) -> Summary:
    """Apply every Clerk user to MongoDB; then list (or delete) users Clerk no longer has.

    Deleting more than a share of the stored users raises `SyncRefused` unless `force` is set
    (see `guards.check_deletion_share`); the creates and updates before it stay applied.
    """
    started = datetime.now(UTC)
    stored = await users.count_users()
    summary = Summary(total=await api.count_users())
    seen: set[str] = set()
    order_by = "-updated_at" if since else "-created_at"
    since_ms = int(since.timestamp() * 1000) if since else None
    async for page in api.pages(order_by=order_by, page_size=page_size, total=summary.total):
        profiles = [profile_of(data) for data in page]
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
            check_deletion_share(summary, stored, force=force)
            await delete_users(summary, started, dry_run=dry_run)
    return summary


async def settle_missing(
    api: ClerkUsersAPI, seen: set[str], started: datetime, summary: Summary, *, dry_run: bool
) -> None:
    """Find stored users the listing did not show, and ask Clerk about each by id.

    Users stored after the sync began are left out: they may be new in Clerk since our read.
    The by-id check catches users a paging shift hid (a deletion in Clerk moves the offsets).
    """
    candidates = sorted(await users.ids_stored_before(started) - seen)
    found: set[str] = set()
    for start in range(0, len(candidates), CONFIRM_BATCH):
        batch = candidates[start : start + CONFIRM_BATCH]
        page = await api.list_users(limit=MAX_PAGE_SIZE, order_by="-created_at", user_ids=batch)
        profiles = [profile_of(data) for data in page if data.get("id") in batch]
        found.update(p.clerk_user_id for p in profiles)
        await apply_profiles(profiles, summary, dry_run=dry_run)
    summary.missing = [user_id for user_id in candidates if user_id not in found]


async def delete_users(summary: Summary, started: datetime, *, dry_run: bool) -> None:
    """Delete the missing users, with sync tombstones dated when this sync read Clerk."""
    deleted_at = int(started.timestamp() * 1000)
    for user_id in summary.missing:
        if dry_run:
            summary.deleted += 1
            continue
        result = await users.delete_missing_user(clerk_user_id=user_id, deleted_at=deleted_at)
        summary.deleted += result == users.SyncResult.DELETED
