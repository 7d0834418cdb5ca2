"""A database outage never takes the backend down: the production command (gunicorn with
`WEB_CONCURRENCY=2` on Redis) boots and serves 503s without MongoDB, replaces a worker killed
during the outage, and serves normally once the database is back, with nothing restarted.

The database is a SecantusDB in a child process, stopped and started again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from bench.uiload import AppNames, LoadError, TabSession
from tests.deploy.conftest import ARTIFACTS, backend_settings, mint
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.mongo import ChildServer, uri_for
from tests.helpers.payloads import user_created
from tests.helpers.ports import free_port
from tests.helpers.webhooks import deliver
from tests.helpers.workers import two_workers, uvicorn_workers

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

UNAVAILABLE = {
    "success": False,
    "message": "Database unavailable, try again later.",
    "reason": "database-unavailable",
}
"""The one 503 body of every database-backed route, health included."""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[ChildServer]:
    """A SecantusDB on a fixed port, not started: each test decides when it is up."""
    server = ChildServer(tmp_path / "db", free_port())
    yield server
    server.stop()


@pytest.fixture
def backend(
    database: ChildServer, redis_url: str, jwks: JWKSServer, request: pytest.FixtureRequest
) -> Iterator[AppProcess]:
    """The production command with two workers, not started; stopped after the test."""
    settings = {
        **backend_settings(uri_for(database.port), redis_url, jwks.url),
        "WEB_CONCURRENCY": "2",
        "MONGO_TIMEOUT_MS": "1000",
    }
    log = ARTIFACTS / f"database-outage-{request.node.name}.log"
    log.unlink(missing_ok=True)
    process = AppProcess(free_port(), settings, log)
    yield process
    process.stop()


@contextlib.contextmanager
def only(worker: int, workers: list[int]) -> Iterator[None]:
    """Let `worker` alone accept connections on the shared socket: the others are stopped."""
    others = [pid for pid in workers if pid != worker]
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def health(backend: AppProcess) -> httpx.Response:
    return http_client.get(f"{backend.url}/api/health", timeout=10)


def get_color(backend: AppProcess, user_id: str) -> httpx.Response:
    token = mint(user_id)
    return http_client.get(
        f"{backend.url}/user/favoriteColor",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def stored_color(database: ChildServer, user_id: str) -> str | None:
    client: MongoClient[dict[str, object]] = MongoClient(uri_for(database.port))
    try:
        doc = client["auth"]["users"].find_one({"clerkUserId": user_id})
    finally:
        client.close()
    return None if doc is None else str(doc["favoriteColor"])


def load_in_a_tab(backend: AppProcess, user_id: str, color: str) -> None:
    """The favorite-color page's load over Reflex's socket; raises `LoadError` unless `color`."""

    async def scenario() -> None:
        tab = TabSession(backend.url, user_id, color, mint, AppNames.derive())
        await tab.connect()
        try:
            await tab.load()
        finally:
            await tab.close()

    asyncio.run(scenario())


def assert_unavailable(backend: AppProcess, user_id: str) -> None:
    """Health, a signed webhook, the REST route and the page's load all say: not now."""
    for response in (
        health(backend),
        deliver(backend.url, user_created(user_id)),
        get_color(backend, user_id),
    ):
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    with pytest.raises(LoadError, match="unreachable"):
        load_in_a_tab(backend, user_id, "")


def wait_until_ok(backend: AppProcess, worker: int, workers: list[int], path: str) -> None:
    """Poll `worker` alone until `path` answers 200 (the other workers run between polls)."""
    deadline = time.monotonic() + 90
    while True:
        assert backend.process is not None and backend.process.poll() is None, "backend exited"
        with only(worker, workers), contextlib.suppress(httpx.HTTPError):
            if http_client.get(f"{backend.url}{path}", timeout=10).status_code == 200:
                return
        assert time.monotonic() < deadline, f"worker {worker}: {path} never answered 200"
        time.sleep(0.25)


def serves_normally(backend: AppProcess, database: ChildServer, user_id: str) -> None:
    """A signed webhook is stored with a 2xx, and the REST route and the page read it."""
    assert deliver(backend.url, user_created(user_id)).status_code == 200
    color = stored_color(database, user_id)
    assert color is not None
    response = get_color(backend, user_id)
    assert (response.status_code, response.json()["payload"]) == (200, color)
    load_in_a_tab(backend, user_id, color)


def test_a_cold_start_without_the_database_serves_503_then_recovers(
    backend: AppProcess, database: ChildServer
) -> None:
    backend.start()  # the database has never been up: /ping, not /api/health
    workers = two_workers(backend, other_than=[])
    user_id = f"user_cold_{uuid.uuid4().hex[:8]}"
    for worker in workers:
        with only(worker, workers):
            assert_unavailable(backend, user_id)

    database.start()
    assert stored_color(database, user_id) is None  # a 503 stored nothing: Svix will retry
    for worker in workers:  # each worker connects by itself, in the background
        wait_until_ok(backend, worker, workers, "/api/health")
        with only(worker, workers):
            serves_normally(backend, database, user_id)  # the retried delivery lands
            user_id = f"user_cold_{uuid.uuid4().hex[:8]}"
    assert backend.process is not None and backend.process.poll() is None
    assert uvicorn_workers(backend) == workers  # nothing was restarted


def test_a_worker_killed_during_an_outage_is_replaced_and_both_recover(
    backend: AppProcess, database: ChildServer
) -> None:
    database.start()
    backend.start("/api/health")
    first = two_workers(backend, other_than=[])
    known = f"user_known_{uuid.uuid4().hex[:8]}"
    serves_normally(backend, database, known)

    database.stop()
    os.kill(first[0], signal.SIGKILL)  # e.g. the OOM killer, during the database's outage
    workers = two_workers(backend, other_than=[first[0]])
    assert first[1] in workers  # the other one kept running
    for worker in workers:
        wait_until_ok(backend, worker, workers, "/ping")  # the replacement boots and serves
    for worker in workers:
        with only(worker, workers):
            assert_unavailable(backend, known)

    database.start()
    for worker in workers:
        wait_until_ok(backend, worker, workers, "/api/health")
        with only(worker, workers):
            serves_normally(backend, database, f"user_back_{uuid.uuid4().hex[:8]}")
            assert get_color(backend, known).status_code == 200
    assert backend.process is not None and backend.process.poll() is None
    assert uvicorn_workers(backend) == workers


def test_a_database_that_stops_answering_is_a_503_in_time_then_recovers(
    backend: AppProcess, database: ChildServer
) -> None:
    """A hung database (its connections open, no replies) costs each call MONGO_TIMEOUT_MS (1 s
    here), not the caller's patience: every answer below must come within the client's 10 s."""
    database.start()
    backend.start("/api/health")
    known = f"user_known_{uuid.uuid4().hex[:8]}"
    serves_normally(backend, database, known)

    assert database.process is not None
    os.kill(database.process.pid, signal.SIGSTOP)
    late = f"user_late_{uuid.uuid4().hex[:8]}"
    try:
        for response in (
            get_color(backend, known),
            deliver(backend.url, user_created(late)),
            health(backend),
        ):
            assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    finally:
        os.kill(database.process.pid, signal.SIGCONT)

    serves_normally(backend, database, late)  # Svix's retry of the 503'd delivery lands
    assert get_color(backend, known).status_code == 200
    assert backend.process is not None and backend.process.poll() is None
