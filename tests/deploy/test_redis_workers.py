"""Two backend workers sharing Reflex's state in Redis, driven like browser tabs over the socket.

Each worker is its own `reflex run --env prod --backend-only` process on its own port (one
uvicorn worker each), so a test chooses which worker an event lands on. Both share one Redis,
one SecantusDB and one JWKS server (which counts fetches).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import cast

import httpx
import pytest
import redis
from pymongo import MongoClient
from reflex.utils.token_manager import RedisTokenManager

from bench.uiload import AppNames, TabSession, Users, close_all, make_sessions, open_all
from tests.deploy.conftest import ARTIFACTS, backend_settings, mint
from tests.helpers.app_process import AppProcess
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.payloads import user_created
from tests.helpers.ports import free_port
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def workers(mongo_uri: str, redis_url: str, jwks: JWKSServer) -> Iterator[list[AppProcess]]:
    """Two backend processes on two ports, started one after the other."""
    settings = backend_settings(mongo_uri, redis_url, jwks.url)
    started = []
    try:
        for name in ("a", "b"):
            backend = AppProcess(free_port(), settings, ARTIFACTS / f"redis-worker-{name}.log")
            backend.start("/api/health")
            started.append(backend)
        yield started
    finally:
        for backend in started:
            backend.stop()


@pytest.fixture(scope="module")
def users_col(mongo_uri: str) -> Iterator[object]:
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    yield client["auth"]["users"]
    client.close()


def new_users(workers: list[AppProcess], n: int, label: str) -> list[str]:
    """Create `n` users through signed webhooks, alternating workers."""
    ids = [f"user_{label}_{uuid.uuid4().hex[:10]}" for _ in range(n)]
    for i, uid in enumerate(ids):
        assert deliver(workers[i % 2].url, user_created(uid)).status_code == 200
    return ids


def users_of(mongo_uri: str, ids: list[str]) -> Users:
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    docs = list(client["auth"]["users"].find({"clerkUserId": {"$in": ids}}))
    client.close()
    return Users(
        ids=[str(d["clerkUserId"]) for d in docs],
        colors={str(d["clerkUserId"]): str(d["favoriteColor"]) for d in docs},
    )


def test_a_tab_reconnecting_to_the_other_worker_shows_nothing_until_it_loads_there(
    workers: list[AppProcess], mongo_uri: str, redis_url: str
) -> None:
    a, b = workers
    users = users_of(mongo_uri, new_users(workers, 4, "hop"))
    store = redis.Redis.from_url(redis_url)

    def stored_status(tab: TabSession) -> bytes:
        """The tab's state in Redis, as both workers read it."""
        keys = list(store.scan_iter(f"{tab.client_token}_*"))
        values = cast("list[bytes | None]", store.mget(keys)) if keys else []
        return b"".join(value or b"" for value in values)

    async def scenario() -> None:
        names = AppNames.derive()
        tabs = make_sessions([a.url, b.url], users, 4, mint, names)
        assert await open_all(tabs) == 0
        for tab in tabs:
            await tab.load()
            # Reflex writes the state as the event ends, just after it sends the delta.
            async with asyncio.timeout(10):
                while b"loaded" not in stored_status(tab):  # noqa: ASYNC110 - polling Redis
                    await asyncio.sleep(0.05)
        # Every tab reconnects, with the same client token, to the other worker...
        for i, tab in enumerate(tabs):
            await tab.close()
            # ...once its worker has handled the disconnect: a connect that wins that race is a
            # duplicate tab to Reflex, which gives it a new token (not what this test is about).
            record = f"{RedisTokenManager._token_socket_record_prefix}{tab.client_token}"
            async with asyncio.timeout(10):
                while store.exists(record):  # noqa: ASYNC110 - polling Redis
                    await asyncio.sleep(0.05)
            await tab.connect([b.url, a.url][i % 2])
            # The other worker read the tab's loaded state from Redis, and started it over: a
            # new socket sees nothing until it verifies a fresh session token (issue 19, item 9).
            assert tab.new_tokens == 0
            assert tab.last_delta[names.status_field] == "idle"
            assert tab.last_delta[names.color_field] == ""
            await tab.load()
            await tab.load()
        await close_all(tabs)

    asyncio.run(scenario())
    store.close()


def test_many_tabs_over_both_workers_load_their_own_color(
    workers: list[AppProcess], mongo_uri: str
) -> None:
    users = users_of(mongo_uri, new_users(workers, 20, "many"))

    async def scenario() -> int:
        tabs = make_sessions([w.url for w in workers], users, 40, mint, AppNames.derive())
        failed = await open_all(tabs)
        for _ in range(3):
            await asyncio.gather(*(tab.load() for tab in tabs))
        await close_all(tabs)
        return failed

    assert asyncio.run(scenario()) == 0


def test_concurrent_duplicate_webhooks_to_both_workers_store_each_user_once(
    workers: list[AppProcess], users_col: object
) -> None:
    ids = [f"user_dup_{uuid.uuid4().hex[:10]}" for _ in range(30)]
    jobs: list[tuple[str, str, str | None]] = []
    for uid in ids:
        msg_id = f"msg_{uuid.uuid4().hex}"
        # The same delivery to both workers, twice each, plus a redelivery under a new id.
        jobs += [(w.url, uid, msg_id) for w in workers for _ in range(2)]
        jobs += [(workers[1].url, uid, None)]
    with ThreadPoolExecutor(16) as pool:
        statuses = list(
            pool.map(lambda j: deliver(j[0], user_created(j[1]), msg_id=j[2]).status_code, jobs)
        )
    assert set(statuses) == {200}
    for uid in ids:
        assert users_col.count_documents({"clerkUserId": uid}) == 1  # type: ignore[attr-defined]


def test_jwks_fetches_stay_bounded_per_worker(
    workers: list[AppProcess], mongo_uri: str, jwks: JWKSServer
) -> None:
    users = users_of(mongo_uri, new_users(workers, 30, "jwks"))
    before = jwks.fetches

    async def scenario() -> None:
        # 60 tabs, each with its own never-seen token, spread over both workers.
        tabs = make_sessions([w.url for w in workers], users, 60, mint, AppNames.derive())
        assert await open_all(tabs) == 0
        await asyncio.gather(*(tab.load() for tab in tabs))
        await close_all(tabs)

    asyncio.run(scenario())
    # The keys are cached per worker process: at most one fetch each (none if already cached).
    assert jwks.fetches - before <= len(workers)
    assert jwks.fetches <= 2 * len(workers)


def test_killing_a_worker_loses_no_acknowledged_webhook_and_the_page_recovers(
    workers: list[AppProcess], mongo_uri: str, users_col: object
) -> None:
    a, b = workers
    users = users_of(mongo_uri, new_users(workers, 4, "kill"))
    acknowledged: list[str] = []
    refused: list[str] = []
    stop = threading.Event()

    def sender() -> None:
        # Like Svix: each event goes to a worker; on failure it is retried (here, on the other).
        i = 0
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline and i < 2000:
            uid = f"user_crash_{i}_{uuid.uuid4().hex[:6]}"
            for target in [a, b] if i % 2 else [b, a]:
                try:
                    if deliver(target.url, user_created(uid)).status_code == 200:
                        acknowledged.append(uid)
                        break
                except httpx.HTTPError:
                    pass
            else:
                refused.append(uid)
            i += 1

    async def scenario() -> None:
        names = AppNames.derive()
        tabs = make_sessions([b.url], users, 4, mint, names)
        assert await open_all(tabs) == 0
        for tab in tabs:
            await tab.load()
        thread = threading.Thread(target=sender)
        thread.start()
        await asyncio.sleep(1.5)
        b.kill()  # the whole process group, SIGKILL: no graceful shutdown
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.to_thread(thread.join, 90)
        for tab in tabs:
            assert not await _still_connected(tab)
            # The browser reconnects (through the proxy, to a live worker) with its token. The
            # dead worker's socket record makes it look like a duplicate tab, so the tab gets a
            # new token and an empty state: the page is idle, and its idle branch loads again.
            await tab.connect(a.url)
            if tab.new_tokens:
                assert tab.last_delta[names.status_field] == "idle"
            await tab.load()
        await close_all(tabs)

    asyncio.run(scenario())
    assert acknowledged and not refused
    stored = {
        d["clerkUserId"]
        for d in users_col.find({"clerkUserId": {"$in": acknowledged}})  # type: ignore[attr-defined]
    }
    assert stored == set(acknowledged)


async def _still_connected(tab: TabSession) -> bool:
    for _ in range(50):
        if not tab.connected:
            return False
        await asyncio.sleep(0.1)
    return tab.connected
