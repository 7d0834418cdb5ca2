"""Ask a remote source about a key politely: one fetch per key, a cap, a rate, a negative cache.

`Fetcher` knows nothing of Clerk or MongoDB: it is given a `load` function and a clock. It is
what keeps a burst of first requests for one new user from becoming a burst at Clerk:

- concurrent callers for one key share the fetch in flight (single flight);
- at most `max_in_flight` fetches run at once, and starting one takes a token from a bucket
  refilled at `rate_per_second`; when either is used up the caller is answered UNAVAILABLE at
  once (its caller then gives today's answer, such as "not synced yet, re-check"), never queued;
- a NOT_FOUND answer is remembered for `negative_ttl_seconds`, so an unknown key is not asked
  about again meanwhile.

Deadlines are `load`'s business (it knows which part of its work is remote).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")

Clock = Callable[[], float]


class FetchStatus(StrEnum):
    """What a fetch found out."""

    FOUND = "found"
    NOT_FOUND = "not-found"
    """The source answered that it has no such key (remembered for a while)."""
    UNAVAILABLE = "unavailable"
    """No answer: the source failed or was slow, or this process is at its limits."""


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """The outcome of one fetch; `value` is set only when FOUND."""

    status: FetchStatus
    value: T | None = None
    reason: str | None = None
    """Why, for logs: `busy`, `rate-limited`, `negative-cache`, or what `load` says."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How hard one process may lean on the source."""

    max_in_flight: int = 8
    rate_per_second: float = 10.0
    burst: int = 10
    """How many fetches may start at once after a quiet spell (the bucket's size)."""
    negative_ttl_seconds: float = 30.0
    max_negative_entries: int = 10_000
    """The oldest remembered NOT_FOUND keys are forgotten first beyond this many."""


class TokenBucket:
    """A rate limit: `take()` succeeds at most `rate` times a second, `burst` at once."""

    def __init__(self, rate: float, burst: int, clock: Clock) -> None:
        self._rate = rate
        self._burst = float(max(burst, 1))
        self._clock = clock
        self._tokens = self._burst
        self._at = clock()

    def take(self) -> bool:
        """Use one token if there is one."""
        now = self._clock()
        elapsed = max(now - self._at, 0.0)  # a clock that steps back refills nothing
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class NegativeCache:
    """Keys the source said it does not have, each forgotten after `ttl` seconds."""

    def __init__(self, ttl: float, max_entries: int, clock: Clock) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        until = self._until.get(key)
        if until is None:
            return False
        if self._clock() >= until:
            del self._until[key]
            return False
        return True

    def add(self, key: str) -> None:
        """Remember `key` as unknown for the TTL."""
        if self._ttl <= 0:
            return
        self._until.pop(key, None)
        self._until[key] = self._clock() + self._ttl
        while len(self._until) > self._max_entries:
            self._until.popitem(last=False)


class Fetcher(Generic[T]):
    """Calls `load(key)` on behalf of every caller asking about `key`, within the limits."""

    def __init__(
        self,
        load: Callable[[str], Awaitable[Fetched[T]]],
        limits: FetchLimits = FetchLimits(),
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._load = load
        self._limits = limits
        self._bucket = TokenBucket(limits.rate_per_second, limits.burst, clock)
        self._unknown = NegativeCache(
            limits.negative_ttl_seconds, limits.max_negative_entries, clock
        )
        self._in_flight: dict[str, asyncio.Task[Fetched[T]]] = {}
        self.loads = 0
        """How many times `load` was called (for tests and logs)."""

    @property
    def in_flight(self) -> int:
        """Fetches running now."""
        return len(self._in_flight)

    async def get(self, key: str) -> Fetched[T]:
        """The outcome for `key`: shared with a fetch in flight, remembered, or fetched now.

        A caller that is cancelled does not cancel the shared fetch. An exception `load` raises
        reaches every caller of that fetch, and nothing is remembered.
        """
        task = self._in_flight.get(key)
        if task is None:
            if key in self._unknown:
                return Fetched(FetchStatus.NOT_FOUND, reason="negative-cache")
            if len(self._in_flight) >= self._limits.max_in_flight:
                return Fetched(FetchStatus.UNAVAILABLE, reason="busy")
            if not self._bucket.take():
                return Fetched(FetchStatus.UNAVAILABLE, reason="rate-limited")
            task = asyncio.create_task(self._run(key))
            # Retrieved here too, so a failure whose callers all left is not logged as lost.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._in_flight[key] = task
        return await asyncio.shield(task)

    async def _run(self, key: str) -> Fetched[T]:
        self.loads += 1
        try:
            fetched = await self._load(key)
        finally:
            self._in_flight.pop(key, None)
        if fetched.status is FetchStatus.NOT_FOUND:
            self._unknown.add(key)
        return fetched
