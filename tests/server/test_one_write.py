"""A response's head and body leave the worker in one write (`server/one_write.py`), through the
worker's real protocol, driven as uvicorn's own tests drive theirs: over a transport that records
what the protocol writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from clerk_fullstack.server.worker import Limits, protocol_with

pytestmark = pytest.mark.unit

GET = b"GET /color HTTP/1.1\r\nHost: test\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """Keeps each write (a `writelines` is one write, as it is one system call) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.writes.append(b"".join(list_of_data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def connect(app: Any) -> tuple[Any, RecordingTransport]:
    """The worker's protocol for `app`, on a new recording transport."""
    config = Config(app=app, lifespan="off", log_config=None)
    limits = Limits(max_connections=10, header_timeout=10.0, max_header_bytes=65536)
    protocol = protocol_with(limits)(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = RecordingTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def turns(n: int = 5) -> None:
    """Let the event loop run the request's task to its next wait."""
    for _ in range(n):
        await asyncio.sleep(0)


async def json_app(scope: Any, receive: Any, send: Any) -> None:
    body = b'{"payload":"blue"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def test_head_and_body_leave_in_one_write() -> None:
    protocol, transport = await connect(json_app)
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 1, transport.writes
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b'\r\n\r\n{"payload":"blue"}')
    # The connection stays open for the next request, answered the same way.
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 2 and transport.writes[1] == answer
    assert not transport.closed


async def test_a_streamed_head_is_not_held_back_for_its_first_chunk() -> None:
    first_chunk = asyncio.Event()

    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await first_chunk.wait()
        await send({"type": "http.response.body", "body": b"one", "more_body": True})
        await send({"type": "http.response.body", "body": b"two"})

    protocol, transport = await connect(streaming)
    protocol.data_received(GET)
    await turns()
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b"transfer-encoding: chunked\r\n\r\n")
    first_chunk.set()
    await turns()
    assert transport.writes[1:] == [b"3\r\none\r\n", b"3\r\ntwo\r\n0\r\n\r\n"]


async def test_100_continue_is_sent_before_the_body_is_read() -> None:
    async def reads_the_body(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        assert message["body"] == b"hello"

    protocol, transport = await connect(reads_the_body)
    protocol.data_received(
        b"POST /webhooks HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    await turns()
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    protocol.data_received(b"hello")
    await turns()
    assert len(transport.writes) == 2
    assert transport.writes[1].startswith(b"HTTP/1.1 204 No Content\r\n")


async def test_a_head_then_an_error_is_sent_before_the_connection_closes() -> None:
    async def fails_after_the_head(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("boom")

    protocol, transport = await connect(fails_after_the_head)
    protocol.data_received(GET)
    await turns()
    assert transport.closed
    assert len(transport.writes) == 1 and transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
