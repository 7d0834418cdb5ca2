"""The production command on one port: gunicorn with `WEB_CONCURRENCY=2` uvicorn workers on Redis.

The other deploy tests run one worker per process, so a test picks the worker; here the two
workers share one listening socket, as in production, and gunicorn replaces a worker that dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable, Iterator

import pytest
from pymongo import MongoClient

from bench.uiload import AppNames, Users, close_all, make_sessions, open_all
from tests.deploy.conftest import ARTIFACTS, backend_settings, mint
from tests.helpers.app_process import AppProcess
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.payloads import user_created
from tests.helpers.ports import free_port
from tests.helpers.webhooks import deliver
from tests.helpers.workers import gunicorn_master, two_workers

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def backend(mongo_uri: str, redis_url: str, jwks: JWKSServer) -> Iterator[AppProcess]:
    settings = {**backend_settings(mongo_uri, redis_url, jwks.url), "WEB_CONCURRENCY": "2"}
    process = AppProcess(free_port(), settings, ARTIFACTS / "production-command.log")
    process.start("/api/health")
    try:
        yield process
    finally:
        process.stop()


def test_two_workers_serve_one_port_and_a_killed_worker_is_replaced(
    backend: AppProcess, mongo_uri: str
) -> None:
    first = two_workers(backend, other_than=[])
    users = _new_users(backend, mongo_uri, 6)
    names = AppNames.derive()

    async def load_all() -> None:
        # 12 tabs on one port: gunicorn's two workers accept them from one socket.
        tabs = make_sessions([backend.url], users, 12, mint, names)
        assert await open_all(tabs) == 0
        for _ in range(3):
            await asyncio.gather(*(tab.load() for tab in tabs))
        await close_all(tabs)

    asyncio.run(load_all())
    os.kill(first[0], signal.SIGKILL)
    now = two_workers(backend, other_than=[first[0]])
    assert first[1] in now
    users = _new_users(backend, mongo_uri, 4)  # webhooks are stored again
    asyncio.run(load_all())


@pytest.fixture
def lone_backend(
    mongo_uri: str, redis_url: str, jwks: JWKSServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AppProcess]]:
    """Make a one-worker production command with extra settings; each is stopped after."""
    made: list[AppProcess] = []

    def make(**extra: str) -> AppProcess:
        settings = {**backend_settings(mongo_uri, redis_url, jwks.url), **extra}
        log = ARTIFACTS / f"production-command-{request.node.name}-{len(made)}.log"
        made.append(AppProcess(free_port(), settings, log))
        return made[-1]

    yield make
    for backend in made:
        backend.stop()


def test_reflex_run_exits_non_zero_when_gunicorn_gives_up(
    lone_backend: Callable[..., AppProcess],
) -> None:
    """A server that cannot start (here a worker class gunicorn cannot load) ends the command
    with gunicorn's failure, not 0, so a supervisor's `Restart=on-failure` restarts it."""
    backend = lone_backend(GUNICORN_CMD_ARGS="--worker-class nosuch.Worker")
    with pytest.raises(RuntimeError, match="reflex run exited"):
        backend.start()
    assert backend.process is not None
    assert backend.process.wait(30) != 0
    assert "The backend server exited with status" in backend.log.read_text()


def test_reflex_run_exits_non_zero_when_the_gunicorn_master_is_killed(
    lone_backend: Callable[..., AppProcess],
) -> None:
    """The OOM killer picks the master: the command ends with 128 + SIGKILL."""
    backend = lone_backend()
    backend.start("/api/health")
    os.kill(gunicorn_master(backend), signal.SIGKILL)
    assert backend.process is not None
    assert backend.process.wait(60) == 128 + signal.SIGKILL


def _new_users(backend: AppProcess, mongo_uri: str, n: int) -> Users:
    ids = [f"user_prod_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    for uid in ids:
        assert deliver(backend.url, user_created(uid)).status_code == 200
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    docs = list(client["auth"]["users"].find({"clerkUserId": {"$in": ids}}))
    client.close()
    assert len(docs) == n
    return Users(
        ids=[str(d["clerkUserId"]) for d in docs],
        colors={str(d["clerkUserId"]): str(d["favoriteColor"]) for d in docs},
    )
