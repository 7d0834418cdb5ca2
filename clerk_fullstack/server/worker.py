"""The production worker: uvicorn's gunicorn worker, with the connection limits uvicorn lacks.

uvicorn's HTTP server (httptools) has no deadline for a request head and no cap on its size,
and `uvicorn_worker.UvicornWorker` passes it neither gunicorn's `--worker-connections` nor
anything like it (uvicorn's own `limit_concurrency` answers 503 only once a head has arrived,
so it bounds nothing a silent client holds). Any client could keep any number of silent or
half-sent connections open until the process ran out of file descriptors, and a 16 MB header
was read whole. This worker adds three limits to each worker process:

- **Connections:** gunicorn's `--worker-connections` (default 1000), or three quarters of the
  process's open-file limit if that is lower (the rest is for the database pool, Redis and
  files). A connection over the limit closes the longest-open connection that has no request
  in flight (silent, half-sent, or idle between requests), so one client's idle flood cannot
  lock out a new client; when every connection is busy (requests in flight, websockets) the
  new one gets 503 and is closed. Websockets may take three quarters of the limit; past that a
  websocket handshake gets 503, so a flood of sockets leaves room for webhooks, the REST route
  and the proxy's health checks.
- **Head deadline** (`WEB_HEADER_TIMEOUT_SECONDS`, 10 s): a new connection must complete its
  first request head within that time, and any later head within that time of its first byte
  (between requests uvicorn's keep-alive timeout, gunicorn's `--keepalive`, 2 s, applies); else
  the connection is closed without an answer.
- **Head size** (`WEB_MAX_HEADER_BYTES`, 64 KiB): a longer head gets 431 and a closed connection.

It also sends each response's head and body in one write, where uvicorn makes two
(`one_write.py`).

A head that arrives whole (the usual case) costs one dictionary lookup and no timer: the
deadline's timer is started once per connection, and again only for a head that arrives in
pieces. A body is not bound here: webhook bodies have the app's own deadline (`api/bodies.py`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn_worker import UvicornWorker

from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.server.one_write import HeadWithBody

logger = logging.getLogger("uvicorn.error")

WARN_EVERY_SECONDS = 60.0
"""A flood logs one line a minute, not one per connection."""


def connection_limit(worker_connections: int, open_files: int) -> int:
    """Connections one worker serves: `worker_connections`, or 3/4 of the open-file limit."""
    if open_files == resource.RLIM_INFINITY or open_files <= 0:
        return worker_connections
    return max(1, min(worker_connections, open_files * 3 // 4))


def open_file_limit() -> int:
    """This process's soft RLIMIT_NOFILE (workers inherit it from the master)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def head_refusal(status: int, reason: bytes, text: bytes) -> bytes:
    """A whole HTTP/1.1 answer sent before any request was read, ending the connection."""
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
        b"connection: close\r\nretry-after: 1\r\n\r\n%s" % (status, reason, len(text), text)
    )


TOO_LARGE = head_refusal(431, b"Request Header Fields Too Large", b"Request head too large")
BUSY = head_refusal(503, b"Service Unavailable", b"Too many connections, retry shortly")


@dataclass
class Limits:
    """One worker's limits, and its HTTP connections in the order they were accepted."""

    max_connections: int
    header_timeout: float
    max_header_bytes: int
    http: dict[LimitedHttpProtocol, None] = field(default_factory=dict)
    """Open connections still speaking HTTP; the others of uvicorn's count are websockets."""
    warned_at: float = float("-inf")

    @property
    def max_websockets(self) -> int:
        """Three quarters of the connections: the rest stays for plain HTTP requests."""
        return max(1, self.max_connections * 3 // 4)

    def idlest(self) -> LimitedHttpProtocol | None:
        """The connection accepted first among those with no request in flight."""
        return next((conn for conn in self.http if conn.closable()), None)

    def warn(self, what: str) -> None:
        now = time.monotonic()
        if now - self.warned_at >= WARN_EVERY_SECONDS:
            self.warned_at = now
            logger.warning("Connection limit reached: %s (logged at most once a minute)", what)


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head deadline, a head-size cap, a connection limit.

    Only `data_received` runs per request, and after a whole head it only checks that the
    head is complete: a head is in progress while the latest request's scope has no method
    yet (uvicorn fills it in once the head is parsed).
    """

    limits: ClassVar[Limits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        """Bytes received since the head in progress began (an upper bound)."""
        self._head_scope: object = None
        """The scope (request) `_head_bytes` counts for."""
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        limits = self.limits
        if len(self.connections) > limits.max_connections:
            idlest = limits.idlest()
            if idlest is None:
                limits.warn(f"{limits.max_connections} connections, all busy: new ones get 503")
                transport.write(BUSY)
                transport.close()
                return
            limits.warn(f"{limits.max_connections} connections: closing the idle ones")
            idlest.transport.close()
        limits.http[self] = None
        # A new connection must complete its first head in time, whether it sends or not.
        self._head_timer = self.loop.call_later(limits.header_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        limits = self.limits
        if len(self.connections) - len(limits.http) >= limits.max_websockets:
            limits.warn(f"{limits.max_websockets} websockets: new handshakes get 503")
            self.transport.write(BUSY)
            self.transport.close()
            return
        self._forget()  # from now on the websocket protocol has the connection
        super().handle_websocket_upgrade()

    def data_received(self, data: bytes) -> None:
        HttpToolsProtocol.data_received(self, data)
        # None before the first request; its "method" is set once its head is parsed.
        scope = cast("dict[str, object] | None", self.scope)
        if scope is not None and "method" in scope:  # the latest head is complete
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            return
        if self.transport.is_closing():
            return
        if scope is not self._head_scope:  # a new head began (this chunk counts in full)
            self._head_scope = scope
            self._head_bytes = 0
        self._head_bytes += len(data)
        if self._head_bytes > self.limits.max_header_bytes:
            self.transport.write(TOO_LARGE)
            self.transport.close()
        elif self._head_timer is None:  # a later request's head: the deadline runs from here
            self._head_timer = self.loop.call_later(
                self.limits.header_timeout, self._head_timed_out
            )

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        cycle.transport = HeadWithBody(self.transport, cycle, self.loop)  # type: ignore[assignment]
        super()._start_asgi_task(cycle, app)

    def closable(self) -> bool:
        """Whether no request is in flight here (idle, or a head still in progress)."""
        cycle = self.cycle
        return (cycle is None or cycle.response_complete) and not self.transport.is_closing()

    def _forget(self) -> None:
        self.limits.http.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_with(limits: Limits) -> type[LimitedHttpProtocol]:
    """The protocol class for one worker's server, bound to that worker's limits."""

    class Protocol(LimitedHttpProtocol):
        pass

    Protocol.limits = limits
    return Protocol


class LimitedUvicornWorker(UvicornWorker):  # type: ignore[misc]  # untyped package
    """`uvicorn_worker.UvicornWorker` (uvloop, httptools, websockets) with `Limits`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        open_files = open_file_limit()
        limits = Limits(
            max_connections=connection_limit(self.cfg.worker_connections, open_files),
            header_timeout=settings.web_header_timeout_seconds,
            max_header_bytes=settings.web_max_header_bytes,
        )
        if limits.max_connections < self.cfg.worker_connections:
            self.log.warning(
                "Open-file limit %d: serving %d connections per worker, not %d "
                "(--worker-connections); raise the limit (LimitNOFILE / ulimit -n)",
                open_files,
                limits.max_connections,
                self.cfg.worker_connections,
            )
        self.config.http = protocol_with(limits)
