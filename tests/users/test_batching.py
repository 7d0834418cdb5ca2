"""Group commit: concurrent callers share one flush, and each gets its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from clerk_fullstack.users.batching import Coalescer

pytestmark = pytest.mark.unit


class Recorder:
    """A flush that records its batches and fails the items it is told to."""

    def __init__(self, fail: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a database round-trip
        return [ValueError(i) if i in self.fail else i * 10 for i in items]


async def test_a_lone_call_is_flushed_at_once() -> None:
    flush = Recorder()
    assert await Coalescer(flush).submit(1) == 10
    assert flush.batches == [[1]]


async def test_callers_arriving_during_a_flush_share_the_next_one() -> None:
    flush = Recorder()
    coalescer = Coalescer(flush)

    first = asyncio.create_task(coalescer.submit(0))
    await asyncio.sleep(0.001)  # the first flush is in flight
    rest = [asyncio.create_task(coalescer.submit(i)) for i in range(1, 6)]

    assert await asyncio.gather(first, *rest) == [0, 10, 20, 30, 40, 50]
    assert flush.batches == [[0], [1, 2, 3, 4, 5]]


async def test_each_caller_gets_its_own_error() -> None:
    coalescer = Coalescer(Recorder(fail=frozenset({2})))

    results = await asyncio.gather(*(coalescer.submit(i) for i in range(4)), return_exceptions=True)

    assert results[0] == 0 and results[1] == 10 and results[3] == 30
    assert isinstance(results[2], ValueError)


async def test_a_failed_flush_fails_its_batch_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def flaky(items: Sequence[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database down")
        return list(items)

    coalescer = Coalescer(flaky)
    with pytest.raises(ConnectionError):
        await coalescer.submit(1)
    assert await coalescer.submit(2) == 2


async def test_batches_are_capped() -> None:
    flush = Recorder()
    coalescer = Coalescer(flush, max_batch=2)

    await asyncio.gather(*(coalescer.submit(i) for i in range(5)))

    assert [len(b) for b in flush.batches] == [2, 2, 1]


def test_a_batch_never_mixes_two_event_loops() -> None:
    # Two threads, each with its own loop, submit at once to the one module-level coalescer
    # (as the app's workers do under Reflex). Each batch must hold only its own loop's items.
    mixed: list[list[tuple[str, int]]] = []

    async def flush(items: Sequence[tuple[str, int]]) -> list[int | BaseException]:
        mine = threading.current_thread().name
        if any(name != mine for name, _ in items):
            mixed.append(list(items))
        await asyncio.sleep(0.01)
        return [i for _, i in items]

    coalescer: Coalescer[tuple[str, int], int] = Coalescer(flush)
    results: dict[str, list[int]] = {}

    def run() -> None:
        name = threading.current_thread().name

        async def submit_all() -> list[int]:
            return list(await asyncio.gather(*(coalescer.submit((name, i)) for i in range(50))))

        async def bounded() -> list[int]:
            return await asyncio.wait_for(submit_all(), timeout=5)

        results[name] = asyncio.run(bounded())

    threads = [threading.Thread(target=run, name=f"loop-{n}", daemon=True) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert mixed == []
    assert results == {"loop-0": list(range(50)), "loop-1": list(range(50))}


def test_a_finished_loop_leaves_nothing_behind_for_the_next() -> None:
    coalescer = Coalescer(Recorder())
    assert asyncio.run(coalescer.submit(1)) == 10
    assert asyncio.run(coalescer.submit(2)) == 20
