"""`sync --delete-missing` cannot do lasting harm: its tombstones are undone by a later listing,
the database's Clerk instance is checked, and deleting many users needs `--force`. The command
runs as a process against a Backend API double over real HTTP, into SecantusDB."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from clerk_fullstack.users.models import ClerkInstanceRecord, DeletedUser
from tests.helpers.emulator import stored_users
from tests.helpers.payloads import user_deleted
from tests.helpers.real_http import api_over_http
from tests.helpers.tokens import TEST_HOST, TEST_ISSUER
from tests.helpers.webhooks import deliver
from tests.sync.clerk_double import ClerkDouble, clerk_user
from tests.sync.command import clerk_env, run_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OTHER_HOST = "clerk.other-instance.example"


async def tombstones() -> dict[str, dict[str, Any]]:
    """The `deleted_users` collection, by user id."""
    cursor = DeletedUser.get_pymongo_collection().find({})
    return {doc.pop("_id"): doc async for doc in cursor}


async def recorded_issuer() -> str | None:
    record = await ClerkInstanceRecord.get_pymongo_collection().find_one({})
    return None if record is None else str(record["issuer"])


async def test_a_mistaken_delete_missing_is_undone_by_the_next_listing(clean_db: None) -> None:
    users = [clerk_user(n) for n in range(4)]
    ids = [u["id"] for u in users]
    with ClerkDouble(users) as clerk:
        status, out, err = await run_command(**clerk_env(clerk))
        assert status == 0, err
        before = await stored_users()
        assert set(before) == set(ids)

        clerk.users = users[:1]  # a listing that lacks three users (and so do the by-id checks)
        status, out, err = await run_command("--delete-missing", **clerk_env(clerk))
        assert status == 0, err
        assert "deleted: 3\nmissing: 3" in out
        assert set(await stored_users()) == {ids[0]}
        made = await tombstones()
        assert set(made) == set(ids[1:])
        for user_id, tombstone in made.items():
            assert tombstone["deletedBy"] == "sync"
            assert tombstone["favoriteColor"] == before[user_id]["favoriteColor"]

        clerk.users = users  # the right listing again: the users come back as they were
        status, out, err = await run_command(**clerk_env(clerk))
    assert status == 0, err
    assert "created: 3\nupdated: 0\nunchanged: 1\nkept deleted: 0\n" in out
    assert "restored: 3 (of the created: users a sync had deleted)" in out
    after = await stored_users()
    assert set(after) == set(ids)
    for user_id in ids:
        for field in ("favoriteColor", "createdAt", "email", "clerkUpdatedAt"):
            assert after[user_id][field] == before[user_id][field], (user_id, field)
    assert await tombstones() == {}


async def test_a_webhook_deletion_is_kept_and_confirms_a_syncs(clean_db: None) -> None:
    users = [clerk_user(n) for n in range(3)]
    with ClerkDouble(users) as clerk:
        assert (await run_command(**clerk_env(clerk)))[0] == 0
        clerk.users = users[:1]
        assert (await run_command("--delete-missing", **clerk_env(clerk)))[0] == 0
        assert {t["deletedBy"] for t in (await tombstones()).values()} == {"sync"}
        # Clerk's own word on one of them, after the sync's: it becomes a webhook tombstone.
        async with api_over_http() as api:
            confirmed = user_deleted(users[1]["id"])
            confirmed["timestamp"] = users[1]["updated_at"]
            assert (await deliver(api, confirmed)).status_code == 200
        made = await tombstones()
        assert made[users[1]["id"]]["deletedBy"] == "webhook"
        assert "favoriteColor" not in made[users[1]["id"]]

        clerk.users = users  # a listing that shows both with their old profiles
        status, out, err = await run_command(**clerk_env(clerk))
    assert status == 0, err
    assert "created: 1\nupdated: 0\nunchanged: 1\nkept deleted: 1\n" in out
    assert set(await stored_users()) == {users[0]["id"], users[2]["id"]}
    assert set(await tombstones()) == {users[1]["id"]}


async def test_keys_for_another_instance_are_refused(clean_db: None) -> None:
    users = [clerk_user(n) for n in range(3)]
    with ClerkDouble(users) as clerk:
        status, _, err = await run_command("--dry-run", **clerk_env(clerk))
        assert status == 0, err
        assert await recorded_issuer() is None  # a dry run writes nothing, the record included
        status, _, err = await run_command(**clerk_env(clerk))
        assert status == 0, err
        assert await recorded_issuer() == TEST_ISSUER  # the first sync records its instance

        clerk.users = []  # the other instance has none of these users
        clerk.requests.clear()
        other = clerk_env(clerk, OTHER_HOST)
        for args in (["--delete-missing"], ["--delete-missing", "--force"], []):
            status, out, err = await run_command(*args, **other)
            assert status == 1
            assert out == ""
            assert err == (
                f"Sync failed: this database belongs to the Clerk instance {TEST_ISSUER}, but "
                f"CLERK_PUBLISHABLE_KEY is for https://{OTHER_HOST}. Nothing was read or "
                "written. Check MONGO_URI, MONGO_DB and the Clerk keys; if the users really "
                "moved to the new instance, run with --rebind-instance.\n"
            )
        assert clerk.requests == []  # refused before Clerk was asked anything
        assert set(await stored_users()) == {u["id"] for u in users}
        assert await tombstones() == {}

        # A live publishable key with a test secret key is two instances too.
        status, out, err = await run_command(**clerk_env(clerk, TEST_HOST, live=True))
        assert status == 1
        assert "Sync failed: CLERK_SECRET_KEY is a test key but CLERK_PUBLISHABLE_KEY a live" in err

        # Moving the database to another instance is said explicitly.
        status, out, err = await run_command("--rebind-instance", **other)
        assert status == 0, err
    assert await recorded_issuer() == f"https://{OTHER_HOST}"


async def test_deleting_more_than_a_tenth_of_the_users_needs_force(clean_db: None) -> None:
    users = [clerk_user(n) for n in range(30)]
    with ClerkDouble(users) as clerk:
        assert (await run_command(**clerk_env(clerk)))[0] == 0
        clerk.users = users[:5]
        for args in (["--delete-missing"], ["--delete-missing", "--dry-run"]):
            status, out, err = await run_command(*args, **clerk_env(clerk))
            assert status == 1
            assert "deleted: 0\nmissing: 25\n" in out
            assert "Users stored here but not in Clerk (kept: deleting them needs --force):" in out
            assert err.endswith(
                "Sync failed: 25 of the 30 users stored here are not in Clerk's listing. "
                "Deleting more than 10% of them (and more than 10) needs --force; nothing was "
                "deleted. Check that the Clerk keys and MONGO_URI belong together, then run "
                "again with --force if these users really are gone.\n"
            )
            assert len(await stored_users()) == 30
            assert await tombstones() == {}

        status, out, err = await run_command("--delete-missing", "--force", **clerk_env(clerk))
    assert status == 0, err
    assert "deleted: 25\nmissing: 25\n" in out
    assert set(await stored_users()) == {u["id"] for u in users[:5]}
    assert {t["deletedBy"] for t in (await tombstones()).values()} == {"sync"}


def test_force_needs_delete_missing() -> None:
    from clerk_fullstack.sync.__main__ import parse_args

    assert parse_args(["--delete-missing", "--force"]).force
    with pytest.raises(SystemExit):
        parse_args(["--force"])


async def test_webhook_tombstones_say_so(clean_db: None) -> None:
    async with api_over_http() as api:
        response: httpx.Response = await deliver(api, user_deleted("user_w"))
    assert response.status_code == 200
    assert (await tombstones())["user_w"]["deletedBy"] == "webhook"
