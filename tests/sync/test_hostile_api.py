"""The sync against a broken or hostile Backend API, over real HTTP into SecantusDB: bounded
waits, a deadline per request, paging that ends, and versions from the future refused."""

from __future__ import annotations

import time

import pytest

from clerk_fullstack.sync.reconcile import reconcile
from clerk_fullstack.users.clerk_api import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    ClerkAPIError,
    ClerkUsersAPI,
)
from clerk_fullstack.webhooks.events import MAX_VERSION
from tests.helpers.emulator import stored_users
from tests.sync.clerk_double import SECRET_KEY, ClerkDouble, Waits, clerk_user
from tests.sync.command import clerk_env, run_command

pytestmark = pytest.mark.integration


async def test_retry_after_waits_are_finite_and_capped(clean_db: None) -> None:
    waits = Waits(real=False)
    with ClerkDouble([clerk_user(n) for n in range(2)]) as clerk:
        for value in ("nan", "-5", "inf", "1e308", "-inf"):
            clerk.failures.append((429, {"Retry-After": value}, None))
        async with ClerkUsersAPI(clerk.url, SECRET_KEY, sleep=waits) as api:
            summary = await reconcile(api)
    # No wait (nan, a negative number) takes the back-off; a huge one waits the cap.
    assert waits == [1.0, 2.0, MAX_RETRY_AFTER_SECONDS, MAX_RETRY_AFTER_SECONDS, 8.0]
    assert summary.created == 2
    assert len(await stored_users()) == 2


async def test_a_trickling_answer_is_cut_off_at_the_request_deadline() -> None:
    waits = Waits(real=False)
    with ClerkDouble([clerk_user(1)]) as clerk:
        # About 45 bytes, one every 0.2 s: each read is quick, the whole answer takes ~9 s.
        clerk.trickle_seconds = 0.2
        async with ClerkUsersAPI(clerk.url, SECRET_KEY, sleep=waits, deadline=1.0) as api:
            with pytest.raises(ClerkAPIError, match="within the 1 s deadline"):
                await api.count_users()
        trickled = clerk.wait_trickled(MAX_ATTEMPTS)
    assert clerk.requests == ["/v1/users/count"] * MAX_ATTEMPTS
    assert len(waits) == MAX_ATTEMPTS - 1
    assert len(trickled) == MAX_ATTEMPTS
    assert all(sent < size for sent, size in trickled)  # each cut off before its end


@pytest.mark.slow
@pytest.mark.parametrize("broken", ["ignore_offset", "endless"])
async def test_paging_ends_at_total_count_or_a_page_already_seen(
    clean_db: None, broken: str
) -> None:
    users = [clerk_user(n) for n in range(6)]
    with ClerkDouble(users) as clerk:
        setattr(clerk, broken, True)
        status, out, err = await run_command("--page-size", "2", **clerk_env(clerk))
    assert status == 0, err
    listed = clerk.requests.count("/v1/users")
    if broken == "ignore_offset":  # the second page repeats the first: paging stops there
        assert listed == 2
        assert "created: 2\n" in out
        assert set(await stored_users()) == {u["id"] for u in users[:2]}
    else:  # made-up users past the 6 Clerk counted are never asked for
        assert listed == 3
        assert "created: 6\n" in out
        assert set(await stored_users()) == {u["id"] for u in users}


@pytest.mark.slow
async def test_the_sync_refuses_a_version_far_in_the_future(clean_db: None) -> None:
    now = time.time_ns() // 1_000_000
    soon, poisoned = clerk_user(1, updated_at=now + 60_000), clerk_user(2, updated_at=MAX_VERSION)
    with ClerkDouble([soon, poisoned]) as clerk:
        status, out, err = await run_command(**clerk_env(clerk))
    assert status == 1
    assert out == ""
    assert (
        "Sync failed: Clerk returned a user this app cannot read ('user_double_0002'): "
        "'data.updated_at' is more than an hour ahead of this server's clock"
    ) in err
    assert await stored_users() == {}  # nothing of the page that carried it

    with ClerkDouble([soon]) as clerk:  # a minute ahead is a clock's skew: accepted
        status, out, err = await run_command(**clerk_env(clerk))
    assert status == 0, err
    assert (await stored_users())[soon["id"]]["clerkUpdatedAt"] == now + 60_000
