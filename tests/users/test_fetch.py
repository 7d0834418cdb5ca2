"""The fetcher's limits, with a fake clock and asyncio events: no sleeps, no network."""

from __future__ import annotations

import asyncio

import pytest

from clerk_fullstack.users.fetch import (
    Fetched,
    Fetcher,
    FetchLimits,
    FetchStatus,
    NegativeCache,
    TokenBucket,
)

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A `load` that counts calls and answers when released (or at once)."""

    def __init__(self, answer: Fetched[str], *, held: bool = False) -> None:
        self.answer = answer
        self.calls: list[str] = []
        self.release = asyncio.Event()
        if not held:
            self.release.set()

    async def __call__(self, key: str) -> Fetched[str]:
        self.calls.append(key)
        await self.release.wait()
        return self.answer


FOUND: Fetched[str] = Fetched(FetchStatus.FOUND, value="RED")
NOT_FOUND: Fetched[str] = Fetched(FetchStatus.NOT_FOUND, reason="unknown")
UNAVAILABLE: Fetched[str] = Fetched(FetchStatus.UNAVAILABLE, reason="clerk-error")
WIDE = FetchLimits(max_in_flight=1000, rate_per_second=1000.0, burst=1000)


async def test_concurrent_callers_for_one_key_share_one_load() -> None:
    source = Source(FOUND, held=True)
    fetcher = Fetcher(source, WIDE, clock=Clock())
    waiting = [asyncio.create_task(fetcher.get("user_a")) for _ in range(100)]
    await asyncio.sleep(0)
    assert fetcher.in_flight == 1
    source.release.set()
    outcomes = await asyncio.gather(*waiting)
    assert source.calls == ["user_a"]
    assert {o.value for o in outcomes} == {"RED"}
    assert fetcher.in_flight == 0


async def test_a_found_key_is_not_remembered() -> None:
    source = Source(FOUND)
    fetcher = Fetcher(source, WIDE, clock=Clock())
    await fetcher.get("user_a")
    await fetcher.get("user_a")
    assert source.calls == ["user_a", "user_a"]


async def test_not_found_is_remembered_for_the_ttl() -> None:
    clock = Clock()
    source = Source(NOT_FOUND)
    limits = FetchLimits(max_in_flight=8, rate_per_second=100.0, burst=100, negative_ttl_seconds=30)
    fetcher = Fetcher(source, limits, clock=clock)
    assert (await fetcher.get("user_x")).reason == "unknown"
    clock.now += 29.9
    again = await fetcher.get("user_x")
    assert (again.status, again.reason) == (FetchStatus.NOT_FOUND, "negative-cache")
    assert source.calls == ["user_x"]
    clock.now += 0.2
    assert (await fetcher.get("user_x")).reason == "unknown"
    assert source.calls == ["user_x", "user_x"]


async def test_unavailable_is_not_remembered() -> None:
    source = Source(UNAVAILABLE)
    fetcher = Fetcher(source, WIDE, clock=Clock())
    await fetcher.get("user_a")
    await fetcher.get("user_a")
    assert len(source.calls) == 2


async def test_the_cap_answers_busy_without_loading() -> None:
    source = Source(FOUND, held=True)
    limits = FetchLimits(max_in_flight=2, rate_per_second=100.0, burst=100)
    fetcher = Fetcher(source, limits, clock=Clock())
    first = [asyncio.create_task(fetcher.get(f"user_{n}")) for n in range(2)]
    await asyncio.sleep(0)
    busy = await fetcher.get("user_third")
    assert (busy.status, busy.reason) == (FetchStatus.UNAVAILABLE, "busy")
    joined = asyncio.create_task(fetcher.get("user_0"))  # joining a fetch in flight is fine
    await asyncio.sleep(0)
    source.release.set()
    assert [o.value for o in await asyncio.gather(*first, joined)] == ["RED"] * 3
    assert source.calls == ["user_0", "user_1"]


async def test_the_rate_limit_answers_rate_limited_then_refills() -> None:
    clock = Clock()
    source = Source(FOUND)
    limits = FetchLimits(max_in_flight=100, rate_per_second=10.0, burst=3)
    fetcher = Fetcher(source, limits, clock=clock)
    outcomes = [await fetcher.get(f"user_{n}") for n in range(5)]
    assert [o.reason for o in outcomes[3:]] == ["rate-limited"] * 2
    assert len(source.calls) == 3
    clock.now += 0.1  # one token back
    assert (await fetcher.get("user_late")).status is FetchStatus.FOUND
    assert (await fetcher.get("user_later")).reason == "rate-limited"


async def test_an_error_reaches_every_caller_and_nothing_is_remembered() -> None:
    calls = 0

    async def failing(key: str) -> Fetched[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise RuntimeError("database down")

    fetcher = Fetcher(failing, WIDE, clock=Clock())
    outcomes = await asyncio.gather(*(fetcher.get("u") for _ in range(5)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert calls == 1
    with pytest.raises(RuntimeError):
        await fetcher.get("u")
    assert calls == 2


async def test_a_cancelled_caller_does_not_cancel_the_shared_load() -> None:
    source = Source(FOUND, held=True)
    fetcher = Fetcher(source, WIDE, clock=Clock())
    leaving = asyncio.create_task(fetcher.get("user_a"))
    staying = asyncio.create_task(fetcher.get("user_a"))
    await asyncio.sleep(0)
    leaving.cancel()
    source.release.set()
    assert (await staying).value == "RED"
    assert source.calls == ["user_a"]


def test_the_bucket_never_refills_from_a_clock_stepping_back() -> None:
    clock = Clock()
    bucket = TokenBucket(1.0, 1, clock)
    assert bucket.take()
    clock.now -= 100
    assert not bucket.take()
    clock.now += 101
    assert bucket.take()


def test_the_negative_cache_forgets_the_oldest_beyond_its_size() -> None:
    clock = Clock()
    cache = NegativeCache(60, 2, clock)
    for key in ("a", "b", "c"):
        cache.add(key)
    assert ("a" in cache, "b" in cache, "c" in cache) == (False, True, True)
    off = NegativeCache(0, 2, clock)
    off.add("a")
    assert "a" not in off
