"""The production worker's limits, on the real backend (`reflex run --env prod`, gunicorn, the
app's uvicorn worker) started with a low open-file limit: one client's flood of idle, half-sent,
oversized requests or sockets leaves another client served; silent connections are closed."""

from __future__ import annotations

import contextlib
import resource
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from clerk_fullstack.server.worker import connection_limit
from tests.conftest import TEST_ENV
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess, prod_backend
from tests.helpers.mongo import ChildServer
from tests.helpers.payloads import user_created
from tests.helpers.raw_clients import BOUND, connect, half_sent, read_all, socket_handshake
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OPEN_FILES = 512
"""The backend's open-file limit here: 384 connections per worker, the rest for the app."""
HEADER_TIMEOUT = 10.0
"""`WEB_HEADER_TIMEOUT_SECONDS`' default, which the backend runs with."""


def test_the_connection_limit_leaves_a_quarter_of_the_open_files() -> None:
    assert connection_limit(1000, 65536) == 1000
    assert connection_limit(1000, 1024) == 768
    assert connection_limit(1000, OPEN_FILES) == 384
    assert connection_limit(1000, resource.RLIM_INFINITY) == 1000
    assert connection_limit(1000, 1) == 1


@pytest.fixture(scope="module")
def backend(
    child_database: ChildServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """The prod backend with the test keys, under `ulimit -n 512`."""
    logs = tmp_path_factory.mktemp("logs")
    with prod_backend(TEST_ENV, child_database.port, logs, open_files=OPEN_FILES) as process:
        yield process


def huge_header(url: str, size: int = 16 * 1024 * 1024) -> bytes:
    """Send a head with a `size`-byte header from another thread; what the server answered."""
    sock = connect(url)
    head = b"GET /ping HTTP/1.1\r\nHost: test\r\nX-Big: "

    def send() -> None:
        with contextlib.suppress(OSError):  # the server closes early: what is wanted
            sock.sendall(head + b"a" * size + b"\r\n\r\n")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        return read_all(sock)
    finally:
        sock.close()
        sender.join(BOUND)


def served(url: str) -> None:
    """Another client: a health check and a signed webhook, both answered 200."""
    with http_client.sync_client(base_url=url, timeout=BOUND) as client:
        assert client.get("/ping").status_code == 200
        response = deliver(client, user_created("user_after_flood"))
        assert response.status_code == 200, response.text


def test_a_16_mb_header_gets_431_before_it_is_read(backend: AppProcess) -> None:
    started = time.monotonic()
    answer = huge_header(backend.url)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    # Refused for its size, not timed out (a timed-out connection is closed without an answer).
    assert time.monotonic() - started < HEADER_TIMEOUT


def test_one_clients_flood_leaves_another_client_served(backend: AppProcess) -> None:
    # More idle connections than the open-file limit (which locked everyone out before), some
    # half-sent heads and a 16 MB header, all held open while another client is served.
    flood = [connect(backend.url) for _ in range(OPEN_FILES + 100)]
    flood += [half_sent(backend.url) for _ in range(50)]
    oversized: list[bytes] = []
    sender = threading.Thread(target=lambda: oversized.append(huge_header(backend.url)))
    sender.start()
    try:
        served(backend.url)
        sender.join(BOUND)
        assert oversized and oversized[0].startswith(b"HTTP/1.1 431 ")
    finally:
        for sock in flood:
            sock.close()
    served(backend.url)


def test_a_flood_of_sockets_leaves_room_for_http(backend: AppProcess) -> None:
    # Three quarters of the 384 connections may be websockets; the other handshakes get 503.
    opened = [socket_handshake(backend.url) for _ in range(OPEN_FILES)]
    try:
        statuses = [status.split(b" ")[1] for _, status in opened]
        assert statuses.count(b"101") == 384 * 3 // 4
        assert set(statuses) == {b"101", b"503"}
        served(backend.url)
    finally:
        for sock, _ in opened:
            sock.close()


def test_connections_that_send_no_head_are_closed_after_the_header_timeout(
    backend: AppProcess,
) -> None:
    started = time.monotonic()
    silent = [connect(backend.url) for _ in range(10)]
    slow = [half_sent(backend.url) for _ in range(5)]
    trickle = half_sent(backend.url)
    try:
        # A head trickled a byte at a time is held to the same deadline.
        deadline = time.monotonic() + BOUND
        with pytest.raises(OSError):
            while time.monotonic() < deadline:
                trickle.sendall(b"a")
                time.sleep(0.5)
        for sock in silent + slow:
            assert read_all(sock) == b""  # closed without an answer, within BOUND
        assert time.monotonic() - started >= HEADER_TIMEOUT - 1
    finally:
        for sock in [*silent, *slow, trickle]:
            sock.close()


def test_keep_alive_and_heads_in_pieces_still_work(backend: AppProcess) -> None:
    with http_client.sync_client(base_url=backend.url, timeout=BOUND) as client:
        for _ in range(3):  # one connection, reused
            assert client.get("/ping").status_code == 200
    sock: socket.socket = connect(backend.url)
    try:
        for piece in (b"GET /ping HT", b"TP/1.1\r\nHost: te", b"st\r\nConnection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.05)
        assert read_all(sock).startswith(b"HTTP/1.1 200 ")
    finally:
        sock.close()
