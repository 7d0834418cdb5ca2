"""A Clerk Backend API double on loopback: serves users, and answers scripted failures first."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from clerk_fullstack.local_clerk.payloads import user_data
from clerk_fullstack.local_clerk.store import LocalUser
from tests.helpers.loopback_server import JSONHandler, LoopbackServer

SECRET_KEY = "sk_test_clerk_double"


def clerk_user(n: int, updated_at: int = 1_700_000_000_000) -> dict[str, Any]:
    """A Clerk User object."""
    user = LocalUser(f"user_double_{n:04d}", f"u{n}@example.org", f"idn_{n}", f"U{n}", None, 1, 1)
    user.updated_at = updated_at
    return user_data(user)


class ClerkDouble(LoopbackServer):
    """`GET /v1/users` and `/v1/users/count`; `failures` are answered (in order) first."""

    def __init__(self, users: list[dict[str, Any]]) -> None:
        self.users = users
        self.failures: list[tuple[int, dict[str, str], Any]] = []
        self.requests: list[str] = []
        double = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                double.requests.append(url.path)
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    error = {"message": "Invalid authentication", "code": "authentication_invalid"}
                    self._reply(401, {}, {"errors": [{**error, "long_message": "Bad secret key"}]})
                elif double.failures:
                    self._reply(*double.failures.pop(0))
                elif url.path == "/v1/users/count":
                    count = {"object": "total_count", "total_count": len(double.users)}
                    self._reply(200, {}, count)
                else:
                    query = parse_qs(url.query)
                    limit, offset = int(query["limit"][0]), int(query.get("offset", ["0"])[0])
                    self._reply(200, {}, double.users[offset : offset + limit])

            def _reply(self, status: int, headers: dict[str, str], body: Any = None) -> None:
                self.reply(status, body if body is not None else {"errors": []}, headers)

        super().__init__(Handler)
