"""Hostile HTTP clients on raw sockets: stalled webhook bodies, half-sent heads, bare socket
handshakes. They speak to a backend directly or through Caddy (`host` is the Host header)."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

from tests.helpers.tokens import TEST_FRONTEND
from tests.helpers.webhooks import signed_webhook

BOUND = 30.0
"""A hang bound only: a client that would wait forever fails instead."""


def address(url: str) -> tuple[str, int]:
    """Where to connect for `url`: its port on 127.0.0.1 (Caddy in the tests binds only that)."""
    port = urlsplit(url).port
    assert port is not None, url
    return "127.0.0.1", port


class StalledBody:
    """A POST /webhooks that sends its head and `sent` bytes of a `declared`-byte body, then
    stops. The head carries well-formed, current signature headers unless `headers` says
    otherwise: to the server it looks like a genuine delivery until the body is complete."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        sent: int = 16,
        declared: int = 4096,
        headers: dict[str, str] | None = None,
    ) -> StalledBody:
        reader, writer = await asyncio.open_connection(*address(url))
        if headers is None:
            headers = signed_webhook(b"{}")[1]
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = (
            f"POST /webhooks HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n"
            f"Content-Length: {declared}\r\n{lines}\r\n"
        )
        writer.write(head.encode() + b"{" * sent)
        await writer.drain()
        return cls(reader, writer)

    async def answer(self) -> tuple[int, bytes]:
        """The status the server answers with, and everything it sent until it closed."""
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), BOUND)
        rest = await asyncio.wait_for(self.reader.read(), BOUND)  # until the server closes
        self.writer.close()
        return int(head.split(b" ")[1]), head + rest

    def close(self) -> None:
        self.writer.close()


def connect(url: str) -> socket.socket:
    return socket.create_connection(address(url), timeout=BOUND)


def half_sent(url: str) -> socket.socket:
    """A connection that sent half a request head and stopped."""
    sock = connect(url)
    sock.sendall(b"GET /ping HTTP/1.1\r\nHost: test\r\nX-Slow: ")
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset counts as closed)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def socket_handshake(url: str) -> tuple[socket.socket, bytes]:
    """Reflex's socket opened as a browser tab opens it; the answer's status line."""
    sock = connect(url)
    sock.sendall(
        b"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: %s\r\n\r\n"
        % (urlsplit(url).netloc.encode(), TEST_FRONTEND.encode())
    )
    head = b""
    while b"\r\n" not in head and (chunk := sock.recv(4096)):
        head += chunk
    return sock, head.split(b"\r\n")[0]
