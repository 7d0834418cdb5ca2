"""The tests' HTTP helpers build no TLS context per call (about 55 ms of CPU each here): an app's
readiness polls, a webhook delivered by URL and a fixture's client use the process's one."""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest

from tests.helpers import http_client
from tests.helpers.loopback_server import JSONHandler, LoopbackServer
from tests.helpers.payloads import user_created
from tests.helpers.processes import answers
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.unit


class Answers200(JSONHandler):
    """Answers every GET and POST with `{}`, and notes the paths asked for."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.reply(200, {})

    do_POST = do_GET


def serve() -> LoopbackServer:
    Answers200.paths = []
    return LoopbackServer(Answers200)


def test_plain_httpx_builds_a_context_per_call(contexts_built: list[object]) -> None:
    """What the helpers avoid, so that the counting below can fail."""
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:9/ping", timeout=2)
    assert len(contexts_built) == 1


def test_polls_requests_and_clients_build_no_context(contexts_built: list[object]) -> None:
    with serve() as server:
        for _ in range(3):
            assert answers(f"{server.url}/ping")
        assert http_client.get(f"{server.url}/ping", timeout=5).status_code == 200
        assert http_client.post(f"{server.url}/ping", timeout=5).status_code == 200
        with http_client.sync_client(base_url=server.url, timeout=5) as client:
            assert client.get("/ping").status_code == 200
    assert not answers("http://127.0.0.1:9/ping")
    assert contexts_built == []


def test_a_webhook_delivered_by_url_builds_no_context(contexts_built: list[object]) -> None:
    with serve() as server:
        response = deliver(server.url, user_created("user_http_client"))
    assert response.status_code == 200
    assert Answers200.paths == ["/webhooks"]
    assert contexts_built == []


async def test_an_async_client_builds_no_context(contexts_built: list[object]) -> None:
    with serve() as server:
        async with http_client.async_client(base_url=server.url, timeout=5) as client:
            assert (await client.get("/ping")).status_code == 200
    assert contexts_built == []
