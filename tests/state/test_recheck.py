"""The re-check schedule's pure rules: delays only from the server's table, one waiter at a time."""

from __future__ import annotations

import pytest

from clerk_fullstack.state.recheck import (
    SYNC_RETRY_DELAYS,
    WAITER_GRACE_SECONDS,
    retry_delay,
    seconds_until,
    waiter_alive,
)

pytestmark = pytest.mark.unit


def test_delays_come_from_the_table_and_run_out() -> None:
    assert [retry_delay(n) for n in range(len(SYNC_RETRY_DELAYS))] == [1, 2, 4, 8]
    assert retry_delay(len(SYNC_RETRY_DELAYS)) is None
    assert retry_delay(-1) is None
    assert retry_delay(10**9) is None


@pytest.mark.parametrize(
    ("due_at", "now", "expected"),
    [
        (105.0, 100.0, 5.0),
        (100.0, 100.0, 0.0),
        (90.0, 100.0, 0.0),
        # A wall clock stepping back never turns into a long sleep.
        (1e12, 100.0, float(max(SYNC_RETRY_DELAYS))),
    ],
)
def test_seconds_until_is_bounded(due_at: float, now: float, expected: float) -> None:
    assert seconds_until(due_at, now) == expected


def test_a_waiter_counts_until_shortly_after_it_should_have_woken() -> None:
    assert not waiter_alive(0.0, 100.0)
    assert waiter_alive(104.0, 100.0)
    assert waiter_alive(100.0, 100.0 + WAITER_GRACE_SECONDS - 0.1)
    # One that never woke (its worker restarted) stops blocking new re-checks.
    assert not waiter_alive(100.0, 100.0 + WAITER_GRACE_SECONDS)
