"""A Clerk Backend API double on loopback: serves users, and answers scripted failures first."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from clerk_fullstack.local_clerk.payloads import user_data
from clerk_fullstack.local_clerk.store import LocalUser
from tests.helpers.loopback_server import JSONHandler, LoopbackServer

SECRET_KEY = "sk_test_clerk_double"


def clerk_user(n: int, updated_at: int = 1_700_000_000_000) -> dict[str, Any]:
    """A Clerk User object."""
    user = LocalUser(f"user_double_{n:04d}", f"u{n}@example.org", f"idn_{n}", f"U{n}", None, 1, 1)
    user.updated_at = updated_at
    return user_data(user)


NOT_FOUND = {
    "errors": [
        {
            "code": "resource_not_found",
            "message": "not found",
            "long_message": "Resource not found",
            "meta": {},
        }
    ]
}
"""Clerk's answer to `GET /v1/users/{id}` for an id it does not know."""


class Waits(list[float]):
    """A sleep for `ClerkUsersAPI` that records each wait; `real` also waits."""

    def __init__(self, *, real: bool) -> None:
        super().__init__()
        self.real = real

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(seconds if self.real else 0)


MAX_LIST_REQUESTS = 50
"""The double refuses `GET /v1/users` after this many, so a client that pages forever fails
fast instead of hanging its test."""


class ClerkDouble(LoopbackServer):
    """`GET /v1/users`, `/v1/users/count` and `/v1/users/{id}`; `failures` are answered (in
    order) first. With `hold` set, each request waits until `release_waiting_requests()`.

    Broken or hostile behaviours: `ignore_offset` answers the first page whatever the offset;
    `endless` makes up users past the end of `users`; `trickle_seconds` sends each answer one
    byte at a time, this long apart, and records in `trickled` how many bytes went out before
    the client hung up (or all of them).
    """

    def __init__(self, users: list[dict[str, Any]]) -> None:
        self.users = users
        self.failures: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[str] = []
        self.hold = False
        self.ignore_offset = False
        self.endless = False
        self.trickle_seconds: float | None = None
        self.trickled: list[tuple[int, int]] = []
        """(bytes sent, bytes in the answer), per trickled answer."""
        self._trickle_done = threading.Condition()
        self._released = threading.Event()
        double = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                double.requests.append(url.path)
                if double.hold:
                    double._released.wait(30)
                if double.requests.count("/v1/users") > MAX_LIST_REQUESTS:
                    error = {"code": "paged_too_far", "message": "paged too far"}
                    self._reply(400, {}, {"errors": [{**error, "long_message": "Paged too far"}]})
                elif self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    error = {"message": "Invalid authentication", "code": "authentication_invalid"}
                    self._reply(401, {}, {"errors": [{**error, "long_message": "Bad secret key"}]})
                elif double.failures:
                    self._reply(*double.failures.pop(0))
                elif url.path == "/v1/users/count":
                    count = {"object": "total_count", "total_count": len(double.users)}
                    self._reply(200, {}, count)
                elif url.path.startswith("/v1/users/"):
                    user_id = unquote(url.path.removeprefix("/v1/users/"))
                    found = [u for u in double.users if u["id"] == user_id]
                    if found:
                        self._reply(200, {}, found[0])
                    else:
                        self._reply(404, {}, NOT_FOUND)
                else:
                    query = parse_qs(url.query)
                    limit, offset = int(query["limit"][0]), int(query.get("offset", ["0"])[0])
                    if double.ignore_offset:
                        offset = 0
                    if double.endless:
                        self._reply(200, {}, [clerk_user(n) for n in range(offset, offset + limit)])
                    else:
                        self._reply(200, {}, double.users[offset : offset + limit])

            def _reply(self, status: int, headers: dict[str, str], body: Any = None) -> None:
                body = body if body is not None else {"errors": []}
                trickle = double.trickle_seconds
                if trickle is None:
                    self.reply(status, body, headers)
                    return
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                sent = 0
                try:
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        sent += 1
                        time.sleep(trickle)
                except OSError:  # the client hung up
                    pass
                with double._trickle_done:
                    double.trickled.append((sent, len(data)))
                    double._trickle_done.notify_all()

        super().__init__(Handler)

    def asked_about(self, user_id: str) -> int:
        """How many `GET /v1/users/{id}` requests named this user."""
        return self.requests.count(f"/v1/users/{user_id}")

    def wait_trickled(self, count: int) -> list[tuple[int, int]]:
        """`trickled`, once `count` trickled answers ended (each ends when its client hangs up)."""
        with self._trickle_done:
            self._trickle_done.wait_for(lambda: len(self.trickled) >= count, timeout=30)
            return list(self.trickled)

    def release_waiting_requests(self) -> None:
        """Let held requests answer (and any later ones, at once)."""
        self._released.set()
