"""Reading an unauthenticated request body: bounded in size, in time and in bytes held at once.

A webhook body is read before its signature can be checked (`api/webhooks.py` has already
refused missing or malformed signature headers and a timestamp outside ±5 minutes, so a junk
request never gets here). Each body must arrive within 10 s (408, connection closed) and is at
most 1 MiB (413). All the bodies a process is reading share one budget of
`MAX_BYTES_IN_FLIGHT` bytes, and a body holds only the bytes it has actually sent: a connection
that sends a few bytes and stalls holds a few bytes, never a slot.

When a new chunk does not fit, the reads that started earliest are stopped (503 `server-busy`
with Retry-After, connection closed) until it fits. A genuine delivery (Clerk's user events are
a few kB, sent at once) is always the newest read, so it always gets its bytes: stalled bodies,
however many and however large, cannot keep it out; they only push each other out.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from clerk_fullstack.core.errors import BodyTimeoutError, PayloadTooLargeError, ServerBusyError

MAX_BODY_BYTES = 1024 * 1024
BODY_READ_SECONDS = 10.0
"""The whole body must arrive within this time (Svix sends a few kB at once)."""
MAX_BYTES_IN_FLIGHT = 8 * MAX_BODY_BYTES
"""Bytes of unfinished bodies one process holds at most (at least `MAX_BODY_BYTES`)."""


class BodyRead:
    """One body being read: the bytes it holds against the budget, and its deadline."""

    __slots__ = ("deadline", "evicted", "held")

    def __init__(self, deadline: asyncio.Timeout) -> None:
        self.deadline = deadline
        self.held = 0
        self.evicted = False


class ByteBudget:
    """The bytes of unfinished bodies, shared by one event loop's reads (no awaits inside)."""

    def __init__(self) -> None:
        self.in_use = 0
        self._reads: dict[BodyRead, None] = {}
        """The reads in progress, oldest first."""

    def open(self, deadline: asyncio.Timeout) -> BodyRead:
        read = BodyRead(deadline)
        self._reads[read] = None
        return read

    def charge(self, read: BodyRead, size: int) -> None:
        """Count `size` more bytes for `read`, first stopping the oldest other reads if needed.

        A read already pushed out is not counted: a chunk can reach it before it stops, and
        bytes charged after `close` would never be given back.
        """
        if read not in self._reads:
            return
        while self.in_use + size > MAX_BYTES_IN_FLIGHT:
            oldest = next((other for other in self._reads if other is not read), None)
            if oldest is None:
                break  # `read` alone: it is under MAX_BODY_BYTES, itself under the budget
            self._evict(oldest)
        read.held += size
        self.in_use += size

    def close(self, read: BodyRead) -> None:
        """Give back what `read` holds (done, failed or stopped)."""
        if read in self._reads:
            del self._reads[read]
            self.in_use -= read.held
        read.held = 0

    def _evict(self, read: BodyRead) -> None:
        self.close(read)
        if not read.deadline.expired():  # else it is stopping already, with its 408
            # Its deadline fires at once: the read stops at its next await, with a 503.
            read.evicted = True
            read.deadline.reschedule(asyncio.get_running_loop().time())


budget = ByteBudget()


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body: 413 over `limit`, 408 past the deadline, 503 when pushed out by newer ones."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
    read: BodyRead | None = None
    try:
        async with asyncio.timeout(BODY_READ_SECONDS) as deadline:
            read = budget.open(deadline)
            return await _read(request, limit, read)
    except TimeoutError:
        if read is not None and read.evicted:
            raise ServerBusyError("Too many bodies are being read; retry shortly") from None
        raise BodyTimeoutError(f"Body did not arrive within {BODY_READ_SECONDS:g} s") from None
    finally:
        if read is not None:
            budget.close(read)


async def _read(request: Request, limit: int, read: BodyRead) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
        budget.charge(read, len(chunk))
        body += chunk
    return bytes(body)
