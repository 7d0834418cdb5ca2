"""A Clerk Backend API double on loopback: serves users, and answers scripted failures first."""

from __future__ import annotations

import threading
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


class ClerkDouble(LoopbackServer):
    """`GET /v1/users`, `/v1/users/count` and `/v1/users/{id}`; `failures` are answered (in
    order) first. With `hold` set, each request waits until `release_waiting_requests()`."""

    def __init__(self, users: list[dict[str, Any]]) -> None:
        self.users = users
        self.failures: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[str] = []
        self.hold = False
        self._released = threading.Event()
        double = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                double.requests.append(url.path)
                if double.hold:
                    double._released.wait(30)
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
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
                    self._reply(200, {}, double.users[offset : offset + limit])

            def _reply(self, status: int, headers: dict[str, str], body: Any = None) -> None:
                self.reply(status, body if body is not None else {"errors": []}, headers)

        super().__init__(Handler)

    def asked_about(self, user_id: str) -> int:
        """How many `GET /v1/users/{id}` requests named this user."""
        return self.requests.count(f"/v1/users/{user_id}")

    def release_waiting_requests(self) -> None:
        """Let held requests answer (and any later ones, at once)."""
        self._released.set()
