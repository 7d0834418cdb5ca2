"""The byte budget of unfinished webhook bodies, as pure bookkeeping (no server)."""

from __future__ import annotations

import asyncio

import pytest

from clerk_fullstack.core import bodies
from clerk_fullstack.core.bodies import ByteBudget

pytestmark = pytest.mark.unit


async def test_a_chunk_reaching_a_pushed_out_read_is_not_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bodies, "MAX_BYTES_IN_FLIGHT", 100)
    budget = ByteBudget()
    # Entered deadlines, as `read_body` gives each read (pushing one out reschedules it).
    async with asyncio.timeout(60) as first_deadline, asyncio.timeout(60) as second_deadline:  # noqa: ASYNC100
        first, second = budget.open(first_deadline), budget.open(second_deadline)
        budget.charge(first, 60)
        budget.charge(second, 60)  # does not fit: the oldest read is pushed out
        assert first.evicted and budget.in_use == 60
        # A chunk the pushed-out read received before it stopped, then its own clean-up.
        budget.charge(first, 30)
        budget.close(first)
        assert budget.in_use == 60
        budget.close(second)
        assert budget.in_use == 0
        first_deadline.reschedule(None)  # it was due at once: nothing here awaits to stop it
