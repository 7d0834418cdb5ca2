"""Group commit: requests that arrive while a database call is in flight share the next call.

No timer and no wait: the first caller starts a flush at once; whoever arrives while it runs is
served by the following flush, in one round-trip. Under no load a call is alone in its batch, so
latency is unchanged; under load the database does one operation per batch instead of one per
request. Each caller gets its own result or its own exception.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Queue(Generic[T, R]):
    """One event loop's waiting items and the task draining them."""

    pending: list[tuple[T, asyncio.Future[R]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class Coalescer(Generic[T, R]):
    """Feeds items to `flush` in batches; `flush` returns one outcome per item, in order.

    Each event loop has its own queue, so a batch never mixes futures of two loops.
    """

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_batch: int = 128,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue[T, R]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, item: T) -> R:
        """Queue `item` and wait for its outcome."""
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[R] = loop.create_future()
        queue.pending.append((item, future))
        if queue.task is None or queue.task.done():
            queue.task = asyncio.create_task(self._drain(queue.pending))
        return await future

    async def _drain(self, pending: list[tuple[T, asyncio.Future[R]]]) -> None:
        while pending:
            batch = pending[: self._max_batch]
            del pending[: self._max_batch]
            try:
                outcomes = await self._flush([item for item, _ in batch])
                if len(outcomes) != len(batch):
                    raise RuntimeError("flush returned the wrong number of outcomes")
            except BaseException as exc:  # handed to every waiter, then re-raised if cancelled
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the waiter was cancelled
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
