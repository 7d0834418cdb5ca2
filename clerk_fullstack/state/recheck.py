"""The re-check schedule for a user whose webhook has not arrived: server-side numbers only."""

from __future__ import annotations

SYNC_RETRY_DELAYS: tuple[int, ...] = (1, 2, 4, 8)
"""Seconds between checks while a brand-new user's webhook is on its way (15 s in all)."""

WAITER_GRACE_SECONDS = 5.0
"""How long past its wake-up time a waiting re-check still counts as alive.

A waiter that never woke (the worker restarted under a persistent state manager) must not
block re-checks forever, and one that is merely late must not get a twin.
"""


def retry_delay(attempt: int) -> int | None:
    """The wait before re-check number `attempt` (from 0), or None once they are used up."""
    if 0 <= attempt < len(SYNC_RETRY_DELAYS):
        return SYNC_RETRY_DELAYS[attempt]
    return None


def waiter_alive(waiter_until: float, now: float) -> bool:
    """Whether a re-check that said it would wake at `waiter_until` (0: none) is still waiting."""
    return waiter_until > 0 and now < waiter_until + WAITER_GRACE_SECONDS


def seconds_until(due_at: float, now: float) -> float:
    """How long to sleep until `due_at`, never longer than the longest step (clocks can jump)."""
    return min(max(due_at - now, 0.0), float(max(SYNC_RETRY_DELAYS)))
