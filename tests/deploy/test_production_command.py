"""The production command on one port: gunicorn with `WEB_CONCURRENCY=2` uvicorn workers on Redis.

The other deploy tests run one worker per process, so a test picks the worker; here the two
workers share one listening socket, as in production, and gunicorn replaces a worker that dies.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from bench.uiload import AppNames, Users, close_all, make_sessions, open_all
from tests.deploy.conftest import ARTIFACTS, backend_settings, deliver, minter
from tests.helpers.cluster import BackendProcess, worker_pids
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.mongo import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def backend(mongo_uri: str, redis_url: str, jwks: JWKSServer) -> Iterator[BackendProcess]:
    settings = {**backend_settings(mongo_uri, redis_url, jwks.url), "WEB_CONCURRENCY": "2"}
    process = BackendProcess(free_port(), settings, ARTIFACTS / "production-command.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def uvicorn_workers(backend: BackendProcess) -> list[int]:
    """The gunicorn workers: processes of the group whose parent is the gunicorn master."""
    group = worker_pids(backend.pid)
    gunicorn = {pid for pid in group if "gunicorn" in _command(pid)}
    masters = {pid for pid in gunicorn if _parent(pid) not in gunicorn}
    assert len(masters) == 1, {pid: _command(pid) for pid in group}
    return sorted(pid for pid in gunicorn if _parent(pid) in masters)


def two_workers(backend: BackendProcess, *, other_than: list[int]) -> list[int]:
    """Wait until gunicorn runs two workers, none of them in `other_than` (health answers as
    soon as the first worker does; a replacement takes a moment to fork)."""
    deadline = time.monotonic() + 60
    while len(now := uvicorn_workers(backend)) != 2 or set(now) & set(other_than):
        assert time.monotonic() < deadline, f"not two new workers: {now}"
        time.sleep(0.25)
    return now


def test_two_workers_serve_one_port_and_a_killed_worker_is_replaced(
    backend: BackendProcess, mongo_uri: str
) -> None:
    first = two_workers(backend, other_than=[])
    users = _new_users(backend, mongo_uri, 6)
    names = AppNames.derive()

    async def load_all() -> None:
        # 12 tabs on one port: gunicorn's two workers accept them from one socket.
        tabs = make_sessions([backend.url], users, 12, minter(), names)
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


def _new_users(backend: BackendProcess, mongo_uri: str, n: int) -> Users:
    ids = [f"user_prod_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    for uid in ids:
        assert deliver(backend.url, uid).status_code == 200
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    docs = list(client["auth"]["users"].find({"clerkUserId": {"$in": ids}}))
    client.close()
    assert len(docs) == n
    return Users(
        ids=[str(d["clerkUserId"]) for d in docs],
        colors={str(d["clerkUserId"]): str(d["favoriteColor"]) for d in docs},
    )


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0
