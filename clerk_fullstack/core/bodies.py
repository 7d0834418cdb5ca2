"""Reading an unauthenticated request body: bounded in size, in time and in how many at once.

Bodies are read before the signature can be checked, so a client that opens many connections
and stops sending half-way could hold memory and sockets. Each read has a deadline (408), and
only `MAX_BODIES_IN_FLIGHT` are read at once (more get 503 with Retry-After): at most
64 × 1 MiB is buffered, and no connection waits on a silent client for more than 10 s.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from clerk_fullstack.core.errors import BodyTimeoutError, PayloadTooLargeError, ServerBusyError

MAX_BODY_BYTES = 1024 * 1024
BODY_READ_SECONDS = 10.0
"""The whole body must arrive within this time (Svix sends a few kB at once)."""
MAX_BODIES_IN_FLIGHT = 64


class _Slots:
    """A non-blocking counter of bodies being read (one event loop: no awaits inside)."""

    def __init__(self) -> None:
        self.in_use = 0

    def try_acquire(self) -> bool:
        if self.in_use >= MAX_BODIES_IN_FLIGHT:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use -= 1


_slots = _Slots()


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body: 413 over `limit`, 408 past the deadline, 503 when too many are read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
    if not _slots.try_acquire():
        raise ServerBusyError("Too many requests are being read; retry shortly")
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            return await _read(request, limit)
    except TimeoutError:
        raise BodyTimeoutError(f"Body did not arrive within {BODY_READ_SECONDS:g} s") from None
    finally:
        _slots.release()


async def _read(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLargeError(f"Body is larger than {limit} bytes")
    return bytes(body)
