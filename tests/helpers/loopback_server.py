"""A small JSON HTTP server on a free loopback port, run in a thread while a `with` block lasts.

The test doubles for Clerk's Backend API (the JWKS, the users list) are built on it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


class JSONHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON and keeps the test output quiet."""

    def reply(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        """Send `body` as JSON with `status` and any extra `headers`."""
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """Serves `handler` on 127.0.0.1 and a free port inside `with`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL, the form CLERK_API_URL takes."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def release_waiting_requests(self) -> None:
        """Let a request that is held on purpose finish, so shutdown does not wait for it."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release_waiting_requests()
        self._httpd.shutdown()
        self._httpd.server_close()
