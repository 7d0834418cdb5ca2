"""A local stand-in for Clerk's `GET /v1/jwks`: serves chosen keys and counts fetches."""

from __future__ import annotations

import threading
from typing import Any

from clerk_fullstack.auth.key_sources import JWKSKeySource
from tests.helpers.loopback_server import JSONHandler, LoopbackServer
from tests.helpers.tokens import SigningKey, jwks


class JWKSServer(LoopbackServer):
    """Serves `/v1/jwks` on loopback; `keys` can be swapped to simulate rotation."""

    def __init__(self, *keys: SigningKey, secret_key: str = "sk_test_jwks") -> None:
        self.keys = list(keys)
        self.secret_key = secret_key
        self.fetches = 0
        self.status = 200
        self.document: Any = None
        """When set, served instead of the keys' JWKS (a malformed or empty set)."""
        self.gate = threading.Event()
        """Cleared, each fetch hangs until it is set again: a slow or stuck Clerk."""
        self.gate.set()
        self.waiting = threading.Semaphore(0)
        """Released once per fetch that reached the server (before it waits on the gate)."""
        server = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                server.waiting.release()
                server.gate.wait(timeout=30)
                if self.path != "/v1/jwks":
                    self.reply(404, {"error": "not found"})
                elif self.headers.get("Authorization") != f"Bearer {server.secret_key}":
                    self.reply(401, {"error": "bad secret key"})
                else:
                    document = server.document
                    self.reply(server.status, jwks(*server.keys) if document is None else document)

        super().__init__(Handler)

    def release_waiting_requests(self) -> None:
        self.gate.set()


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def source_for(server: JWKSServer, clock: FakeClock) -> JWKSKeySource:
    """A key source on `server`'s `/v1/jwks` with its secret key, on `clock`."""
    return JWKSKeySource(f"{server.url}/v1/jwks", server.secret_key, clock=clock)
