"""POST /webhooks against real slow clients on a loopback socket: a read deadline (408) and a
cap on bodies read at once (503 with Retry-After); valid deliveries still get through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from clerk_fullstack.core import bodies
from tests.helpers.payloads import user_created
from tests.helpers.real_http import api_over_http, deliver, stored_ids

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

BOUND = 20.0
"""A hang bound only: a test that would block forever fails instead."""


@pytest.fixture
async def client(clean_db: None, env: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    env.setattr(bodies, "BODY_READ_SECONDS", 1.0)
    env.setattr(bodies, "MAX_BODIES_IN_FLIGHT", 4)
    async with api_over_http() as client:
        yield client


class SlowClient:
    """A raw connection that sends the headers and half a declared 64 KiB body, then stalls."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, url: str) -> SlowClient:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /webhooks HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 65536\r\n\r\n" + b"{" * 32768
        )
        await writer.drain()
        return cls(reader, writer)

    async def status_and_close(self) -> tuple[int, bytes]:
        """The status the server answers with, and whatever else it sent until it closed."""
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), BOUND)
        rest = await asyncio.wait_for(self.reader.read(), BOUND)  # until the server closes
        self.writer.close()
        return int(head.split(b" ")[1]), head + rest


async def test_a_stalled_body_gets_408_and_the_connection_closes(
    client: httpx.AsyncClient,
) -> None:
    slow = await SlowClient.open(str(client.base_url))
    status, response = await slow.status_and_close()
    assert status == 408
    assert b'"reason":"body-timeout"' in response


async def test_too_many_stalled_bodies_get_503_with_retry_after_and_valid_ones_get_through(
    client: httpx.AsyncClient,
) -> None:
    url = str(client.base_url)
    stalled = [await SlowClient.open(url) for _ in range(4)]
    await asyncio.sleep(0.2)  # let the server start reading them (not a timing assertion)
    extra = await SlowClient.open(url)
    status, response = await extra.status_and_close()
    assert status == 503
    assert b"retry-after: 1" in response.lower()
    assert b'"reason":"server-busy"' in response
    outcomes = await asyncio.gather(*(slow.status_and_close() for slow in stalled))
    assert [status for status, _ in outcomes] == [408] * 4
    # Once the stalled readers are gone, deliveries are read and stored again.
    responses = [await deliver(client, user_created(f"user_after_{n}")) for n in range(3)]
    assert [response.status_code for response in responses] == [200] * 3
    assert await stored_ids() == {f"user_after_{n}" for n in range(3)}


async def test_many_slow_clients_are_all_answered(client: httpx.AsyncClient) -> None:
    """40 stalled connections (the cap is 4): every one is answered, 408 or 503, none hangs."""
    url = str(client.base_url)
    clients = [await SlowClient.open(url) for _ in range(40)]
    outcomes = await asyncio.gather(*(slow.status_and_close() for slow in clients))
    statuses = [status for status, _ in outcomes]
    assert set(statuses) <= {408, 503}
