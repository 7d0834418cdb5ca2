"""The sync against the Clerk emulator over real HTTP and SecantusDB: missed webhooks recovered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clerk_fullstack.local_clerk.store import now_ms
from clerk_fullstack.sync.apply import Summary
from clerk_fullstack.sync.reconcile import reconcile
from clerk_fullstack.users import service as users
from clerk_fullstack.users.clerk_api import ClerkUsersAPI
from clerk_fullstack.users.profile import UserProfile
from tests.helpers.emulator import Emulator, SignedIn, stored_users, tombstones

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def sync(emulator: Emulator, **options: Any) -> Summary:
    async with emulator.api() as api:
        return await reconcile(api, **options)


async def test_missed_creates_updates_and_deletes_are_recovered(emulator: Emulator) -> None:
    kept = await emulator.sign_up("kept@example.org", "Kept")
    renamed = await emulator.sign_up("renamed@example.org", "Before")
    deleted = await emulator.sign_up("deleted@example.org", "Deleted")
    before = await stored_users()
    assert len(before) == 3
    await emulator.pause_webhooks()
    new = await emulator.sign_up("new@example.org", "New")
    await emulator.rename(renamed, "After")
    await emulator.delete(deleted)
    assert len(await stored_users()) == 3  # none of the three webhooks arrived

    first = await sync(emulator)
    after = await stored_users()
    assert (first.created, first.updated, first.unchanged, first.deleted) == (1, 1, 1, 0)
    assert first.missing == [deleted.user_id]
    assert after[new.user_id]["firstName"] == "New"
    assert after[renamed.user_id]["firstName"] == "After"
    assert deleted.user_id in after  # listed, not deleted, without --delete-missing
    for user in (kept, renamed):
        user_id = user.user_id
        assert after[user_id]["favoriteColor"] == before[user_id]["favoriteColor"]

    second = await sync(emulator, delete_missing=True)
    assert (second.created, second.updated, second.unchanged, second.deleted) == (0, 0, 3, 1)
    assert set(await stored_users()) == {u.user_id for u in (kept, renamed, new)}
    assert await tombstones() == {deleted.user_id}


async def test_dry_run_writes_nothing_and_reports_the_same_changes(emulator: Emulator) -> None:
    await emulator.sign_up("kept@example.org")
    renamed = await emulator.sign_up("renamed@example.org", "Before")
    gone = await emulator.sign_up("gone@example.org")
    await emulator.pause_webhooks()
    await emulator.sign_up("new@example.org")
    await emulator.rename(renamed, "After")
    await emulator.delete(gone)
    before = await stored_users()

    planned = await sync(emulator, dry_run=True, delete_missing=True)
    assert await stored_users() == before
    assert await tombstones() == set()
    done = await sync(emulator, delete_missing=True)
    assert planned == done
    assert (done.created, done.updated, done.unchanged, done.deleted) == (1, 1, 1, 1)


async def test_a_sync_that_reads_no_users_deletes_nothing(emulator: Emulator) -> None:
    await users.save_profile(
        UserProfile("user_only_here", "a@example.org", "A", None, clerk_updated_at=1)
    )
    summary = await sync(emulator, delete_missing=True)
    assert (summary.read, summary.deleted, summary.missing) == (0, 0, ["user_only_here"])
    assert set(await stored_users()) == {"user_only_here"}


class WebhookDuringSync(ClerkUsersAPI):
    """Renames a user in Clerk (webhook delivered) after the sync read the older profile."""

    def __init__(self, emulator: Emulator, signed_in: SignedIn, **options: Any) -> None:
        api = emulator.api()
        super().__init__(str(api._client.base_url), api._client.headers["authorization"][7:])
        self.emulator = emulator
        self.signed_in = signed_in

    async def list_users(self, **params: Any) -> list[dict[str, Any]]:
        page = await super().list_users(**params)
        if params.get("offset") == 0:
            await self.emulator.pause_webhooks(False)
            await self.emulator.rename(self.signed_in, "From the webhook")
        return page


async def test_a_newer_webhook_during_the_sync_wins(emulator: Emulator) -> None:
    await emulator.pause_webhooks()
    signed_in = await emulator.sign_up("race@example.org", "From the sync")
    assert await stored_users() == {}
    async with WebhookDuringSync(emulator, signed_in) as api:
        summary = await reconcile(api)
    stored = (await stored_users())[signed_in.user_id]
    assert stored["firstName"] == "From the webhook"
    assert summary.created + summary.unchanged == 1


async def test_more_than_one_page_of_500_users(emulator: Emulator) -> None:
    people = [(f"user{n}@example.org", f"User{n}", None) for n in range(620)]
    created = emulator.create_users(people)  # no webhooks: straight into Clerk's store
    pages: list[int] = []
    summary = await sync(emulator, report=lambda s: pages.append(s.read))
    assert pages == [500, 620]
    assert (summary.total, summary.created, summary.missing) == (620, 620, [])
    assert set(await stored_users()) == {u.id for u in created}


class Interrupted(Exception):
    """Stands for Ctrl-C in the middle of a sync."""


async def test_an_interrupted_sync_then_a_rerun_converges(emulator: Emulator) -> None:
    created = emulator.create_users([(f"user{n}@example.org", f"User{n}", None) for n in range(12)])

    def stop_after_first_page(summary: Summary) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await sync(emulator, page_size=5, report=stop_after_first_page)
    partial = await stored_users()
    assert len(partial) == 5
    summary = await sync(emulator, page_size=5)
    assert (summary.created, summary.unchanged) == (7, 5)
    final = await stored_users()
    assert set(final) == {u.id for u in created}
    assert all(final[i]["favoriteColor"] == doc["favoriteColor"] for i, doc in partial.items())


async def test_a_deleted_user_returns_only_if_clerk_updated_it_after_the_deletion(
    emulator: Emulator,
) -> None:
    signed_in = await emulator.sign_up("back@example.org", "Old")
    user_id = signed_in.user_id
    await users.delete_user(clerk_user_id=user_id, deleted_at=now_ms())

    summary = await sync(emulator)
    assert (summary.kept_deleted, summary.created) == (1, 0)
    assert await stored_users() == {}

    await emulator.pause_webhooks()
    await emulator.rename(signed_in, "Updated after the deletion")
    summary = await sync(emulator)
    assert (summary.kept_deleted, summary.created) == (0, 1)
    assert (await stored_users())[user_id]["firstName"] == "Updated after the deletion"
    assert await tombstones() == set()


async def test_a_webhook_landing_between_the_syncs_read_and_write_wins(
    emulator: Emulator, env: pytest.MonkeyPatch
) -> None:
    signed_in = await emulator.sign_up("race@example.org", "Stored")
    await emulator.pause_webhooks()
    await emulator.rename(signed_in, "Read by the sync")
    real_save_profile = users.save_profile
    interposed: list[str] = []

    async def webhook_first(profile: UserProfile, **options: Any) -> users.SyncResult:
        # The newer webhook is stored after the sync read Clerk, before its write lands.
        if not interposed:
            interposed.append(profile.clerk_user_id)
            await emulator.pause_webhooks(False)
            await emulator.rename(signed_in, "From the webhook")
        return await real_save_profile(profile, **options)

    env.setattr(users, "save_profile", webhook_first)
    summary = await sync(emulator)
    assert interposed == [signed_in.user_id]
    assert (summary.updated, summary.unchanged) == (0, 1)
    assert (await stored_users())[signed_in.user_id]["firstName"] == "From the webhook"


async def test_since_applies_only_users_clerk_updated_from_then_on(emulator: Emulator) -> None:
    before, after = emulator.create_users(
        [("before@example.org", "Before", None), ("after@example.org", "After", None)]
    )
    since = datetime.fromtimestamp((before.updated_at + 1) / 1000, UTC)
    emulator.update_names(after.id, "Renamed", None)
    summary = await sync(emulator, since=since)
    assert (summary.created, summary.missing) == (1, [])
    assert set(await stored_users()) == {after.id}
