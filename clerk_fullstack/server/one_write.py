"""A response's head and body leave in one write, as Node's http sends them.

uvicorn writes a response's status line and headers as soon as the app sends
`http.response.start`, and the body when it sends `http.response.body`: two `send` system calls
and two TCP segments for every response, where the client reads twice. On the REST route the
first of the two was the worker's costliest line (13 % of its CPU under the bench's load,
`bench/profile.py --phase route`).

`HeadWithBody` stands in for the connection's transport in one request's cycle: it keeps the
head until the body's first write and sends both together. A head whose body is not written in
the same turn of the event loop (a streamed response waiting for its first chunk) is sent at the
end of that turn, so no client waits longer for a head than before. Everything else (a
`100 Continue`, a later chunk, closing) goes straight through, in order.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class Cycle(Protocol):
    """What `HeadWithBody` reads of uvicorn's `RequestResponseCycle`."""

    response_started: bool


class HeadWithBody:
    """One request's view of the connection's transport; see the module's docstring."""

    __slots__ = ("_cycle", "_head", "_loop", "_passed", "_transport")

    def __init__(
        self, transport: asyncio.Transport, cycle: Cycle, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._transport = transport
        self._cycle = cycle
        self._loop = loop
        self._head: bytes | None = None
        """The head, while it waits for the body."""
        self._passed = False
        """Whether the head has been written: from then on every write goes straight through."""

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif self._passed or not self._cycle.response_started:
            self._transport.write(data)  # a later chunk, or a `100 Continue`
        else:
            # uvicorn sets `response_started` just before it writes the head: this is the head.
            self._passed = True
            self._head = data
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Send the head if it is still waiting."""
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()
