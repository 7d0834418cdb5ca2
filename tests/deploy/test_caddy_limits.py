"""deploy/Caddyfile in front of the real prod backend (under `ulimit -n 512`): stalled webhook
bodies and a flood of sockets through the proxy leave signed deliveries and plain HTTP served;
Caddy itself gives up on a body that stalls past its read timeout."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_ENV
from tests.deploy.conftest import ARTIFACTS
from tests.helpers import http_client
from tests.helpers.app_process import prod_backend
from tests.helpers.caddy import caddy
from tests.helpers.mongo import ChildServer
from tests.helpers.payloads import user_created
from tests.helpers.ports import free_port
from tests.helpers.raw_clients import BOUND, StalledBody, read_all, socket_handshake
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

OPEN_FILES = 512
"""The backend's open-file limit: 384 connections, 288 of them websockets."""
CADDY_READ_BODY = 15.0
"""The Caddyfile's `read_body` timeout."""


@pytest.fixture(scope="module")
def site(child_database: ChildServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Caddy on a free port in front of one prod backend; the site's URL."""
    base = tmp_path_factory.mktemp("caddy-limits")
    static = base / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>app</title>")
    (static / "404.html").write_text("<!doctype html><title>404</title>")
    with (
        prod_backend(TEST_ENV, child_database.port, base, open_files=OPEN_FILES) as backend,
        caddy(
            free_port(), [f"127.0.0.1:{backend.port}"], static, ARTIFACTS / "caddy-limits.log"
        ) as url,
    ):
        yield url


def stored(url: str, signing_key: SigningKey, user_id: str) -> bool:
    token = mint_token(signing_key, sub=user_id)
    response = http_client.get(
        f"{url}/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}, timeout=BOUND
    )
    return response.status_code == 200


async def test_stalled_bodies_through_the_proxy_do_not_keep_a_delivery_out(
    site: str, signing_key: SigningKey
) -> None:
    stalled = [await StalledBody.open(site) for _ in range(200)]
    try:
        response = deliver(site, user_created("user_through_caddy"), timeout=BOUND)
        assert response.status_code == 200, response.text
    finally:
        for slow in stalled:
            slow.close()
    assert stored(site, signing_key, "user_through_caddy")


def test_a_flood_of_sockets_through_the_proxy_leaves_http_served(
    site: str, signing_key: SigningKey
) -> None:
    # Caddy 2.6 cannot count sockets per client IP: the backend keeps a quarter of its
    # connections for HTTP, so webhooks, the REST route and Caddy's health checks go on.
    opened = [socket_handshake(site) for _ in range(400)]
    try:
        statuses = [status.split(b" ")[1] for _, status in opened]
        assert statuses.count(b"101") == 384 * 3 // 4
        assert set(statuses) == {b"101", b"503"}
        assert http_client.get(f"{site}/api/health", timeout=BOUND).status_code == 200
        response = deliver(site, user_created("user_beside_sockets"), timeout=BOUND)
        assert response.status_code == 200, response.text
        assert stored(site, signing_key, "user_beside_sockets")
    finally:
        for sock, _ in opened:
            sock.close()


@contextlib.contextmanager
def sink() -> Iterator[tuple[int, threading.Event]]:
    """An upstream that answers Caddy's health checks (GET /ping) and reads any other request
    forever without answering; the event is set once Caddy closes such a connection."""
    closed = threading.Event()
    server = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
                while received.startswith(b"GET /ping ") and b"\r\n\r\n" in received:
                    received = received.split(b"\r\n\r\n", 1)[1]
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            if received:  # a request it never answered, and Caddy gave up on
                closed.set()

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1], closed
    finally:
        server.close()


def test_caddy_gives_up_on_a_body_that_stalls_past_its_read_timeout(tmp_path: Path) -> None:
    # An upstream with no deadline of its own (the app's is shorter, 10 s, and answers first).
    with (
        sink() as (port, upstream_closed),
        caddy(free_port(), [f"127.0.0.1:{port}"], tmp_path, ARTIFACTS / "caddy-sink.log") as url,
    ):
        client = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), BOUND)
        with client:
            client.sendall(
                f"POST /webhooks HTTP/1.1\r\nHost: {url.removeprefix('http://')}\r\n"
                "Content-Length: 4096\r\n\r\n{".encode()
            )
            read_all(client)  # returns once Caddy closes the connection, within BOUND
        assert upstream_closed.wait(BOUND)
