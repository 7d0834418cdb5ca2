"""What Reflex keeps of a tab at rest, on the real backend: where, for how long, and no secrets.

Issue 19, item 6: each new socket left state for an hour, in the project folder. Item 8: that
state held the page's cookies (Clerk's `__session` and `__clerk_db_jwt`), world-readable. Both
are checked with state files (one worker, no Redis) and with Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import stat
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from clerk_fullstack.core.settings import DEFAULT_TAB_STATE_SECONDS, project_states_dir
from tests.conftest import TEST_ENV
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess, prod_backend
from tests.helpers.color_tab import load_color
from tests.helpers.mongo import ChildServer
from tests.helpers.payloads import user_created
from tests.helpers.project import ROOT
from tests.helpers.redis import redis_server
from tests.helpers.reflex_socket import ReflexSocket
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SHORT_LIFETIME = 15
"""Seconds a tab's state lives after its last event, for the disk backend here: short enough to
watch it expire, long enough that the files are all there while they are counted (opening the
100 tabs takes half a second on an idle machine)."""

DISK_WRITE_DEBOUNCE = 2.0
"""Reflex's default REFLEX_STATE_MANAGER_DISK_DEBOUNCE: a change is written this long after."""

FRESH_TABS = 100
"""Tabs that connect, hydrate and close without doing anything."""


@pytest.fixture(scope="module")
def state_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """XDG_STATE_HOME for the disk backend: its state files go below, not into the project."""
    return tmp_path_factory.mktemp("xdg-state")


@pytest.fixture(scope="module")
def disk_backend(
    child_database: ChildServer, state_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """One worker keeping tabs' state in files, as a single-host production does."""
    settings = {
        **TEST_ENV,
        "XDG_STATE_HOME": str(state_home),
        "REFLEX_REDIS_TOKEN_EXPIRATION": str(SHORT_LIFETIME),
    }
    with prod_backend(settings, child_database.port, tmp_path_factory.mktemp("disk")) as backend:
        yield backend


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def redis_backend(
    child_database: ChildServer, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """One worker keeping tabs' state in Redis, with the default lifetime."""
    settings = {**TEST_ENV, "REFLEX_REDIS_URL": redis_url}
    with prod_backend(settings, child_database.port, tmp_path_factory.mktemp("redis")) as backend:
        yield backend


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


def state_files(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if path.is_file()] if folder.exists() else []


def state_blobs(folder: Path) -> list[bytes]:
    """The state files' contents (a file Reflex deletes meanwhile is skipped)."""
    blobs = []
    for path in state_files(folder):
        with contextlib.suppress(FileNotFoundError):
            blobs.append(path.read_bytes())
    return blobs


def loaded_in(folder: Path) -> bool:
    """Whether a tab's state in `folder` holds a loaded color."""
    return any(b"loaded" in blob for blob in state_blobs(folder))


async def open_fresh_tabs(backend: AppProcess, count: int) -> None:
    """Tabs that connect (hydrating, as a browser does) and close without doing anything."""
    for _ in range(count):
        tab = ReflexSocket(backend.url, TEST_FRONTEND)
        await tab.connect(hydrate=True)
        await tab.next_update(lambda update: bool(update.get("delta")))  # the page hydrated
        await tab.close()


async def wait_until(check: Callable[[], bool], seconds: float = 60) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if check():
                return
            await asyncio.sleep(0.2)


async def settled(count: Callable[[], int], seconds: float = 60) -> None:
    """Wait until `count` stays the same over longer than Reflex's write debounce."""
    async with asyncio.timeout(seconds):
        last = -1
        while (now := count()) != last:
            last = now
            await asyncio.sleep(DISK_WRITE_DEBOUNCE + 0.5)


async def signed_in_tab_loads(backend: AppProcess, signing_key: SigningKey) -> list[str]:
    """A signed-in browser tab loads its color; the credentials it carried (cookies, token)."""
    user_id = f"user_at_rest_{uuid.uuid4().hex[:8]}"
    async with http_client.async_client(base_url=backend.url, timeout=30) as client:
        assert (await deliver(client, user_created(user_id))).status_code == 200
    session_cookie = mint_token(signing_key, sub=user_id)
    dev_browser = f"dvb_{secrets.token_urlsafe(24)}"
    token = mint_token(signing_key, sub=user_id, jti=uuid.uuid4().hex)
    tab = ReflexSocket(
        backend.url,
        TEST_FRONTEND,
        cookie=f"__session={session_cookie}; __clerk_db_jwt={dev_browser}; theme=dark",
    )
    await tab.connect(hydrate=True)
    try:
        assert await load_color(tab, token)
    finally:
        await tab.close()
    return [session_cookie, dev_browser, token]


def secrets_in(blob: bytes, values: list[str]) -> list[str]:
    """Which of `values` (or their signature parts, for tokens) appear in `blob`."""
    found = []
    for value in values:
        if value.encode() in blob or value.rsplit(".", 1)[-1].encode() in blob:
            found.append(value[:12] + "…")
    return found


async def test_fresh_tabs_state_is_private_outside_the_project_and_expires(
    disk_backend: AppProcess, state_home: Path
) -> None:
    folder = project_states_dir(state_home, ROOT)
    before = {path.name for path in state_files(folder)}
    project_states = {path.name for path in state_files(ROOT / ".states")}

    await open_fresh_tabs(disk_backend, FRESH_TABS)
    # Reflex writes a tab's state within its debounce of the last change: count once settled.
    await wait_until(lambda: len(state_files(folder)) >= len(before) + FRESH_TABS)
    await settled(lambda: len(state_files(folder)))
    new = [path for path in state_files(folder) if path.name not in before]
    size = sum(path.stat().st_size for path in new)
    print(
        f"\ndisk: {len(new) / FRESH_TABS:.2f} files and {size / FRESH_TABS:.0f} B per fresh tab"
        f" ({len(new)} files, {size} B for {FRESH_TABS} tabs)"
    )

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {path.name for path in state_files(ROOT / ".states")} <= project_states
    # Nothing touched these tabs since: their files go once the lifetime has passed.
    await wait_until(lambda: not {p.name for p in state_files(folder)} & {p.name for p in new})


async def test_no_cookie_or_token_in_state_files(
    disk_backend: AppProcess, state_home: Path, signing_key: SigningKey
) -> None:
    folder = project_states_dir(state_home, ROOT)
    await wait_until(lambda: not loaded_in(folder))  # no earlier test's tab in the way

    credentials = await signed_in_tab_loads(disk_backend, signing_key)

    # The loaded color is in the tab's state once Reflex has written it (after its debounce).
    await wait_until(lambda: loaded_in(folder))
    blob = b"".join(state_blobs(folder))
    assert secrets_in(blob, credentials) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_a_tab_idle_past_the_lifetime_still_loads(
    disk_backend: AppProcess, state_home: Path, signing_key: SigningKey
) -> None:
    folder = project_states_dir(state_home, ROOT)
    user_id = f"user_idle_{uuid.uuid4().hex[:8]}"
    async with http_client.async_client(base_url=disk_backend.url, timeout=30) as client:
        assert (await deliver(client, user_created(user_id))).status_code == 200
    tab = ReflexSocket(disk_backend.url, TEST_FRONTEND)
    await tab.connect(hydrate=True)
    try:
        color = await load_color(tab, mint_token(signing_key, sub=user_id))
        await wait_until(lambda: loaded_in(folder))
        # The socket stays open and idle until Reflex has dropped the tab's state...
        await wait_until(lambda: not loaded_in(folder))
        # ...and the page's next load starts from an empty state and works as before.
        assert await load_color(tab, mint_token(signing_key, sub=user_id)) == color
    finally:
        await tab.close()


async def redis_values(client: Any) -> dict[bytes, bytes]:
    """Every key's value (strings, and the members of hashes, lists and sets) as bytes."""
    values: dict[bytes, bytes] = {}
    async for key in client.scan_iter():
        kind = await client.type(key)
        if kind == b"string":
            values[key] = await client.get(key) or b""
        elif kind == b"hash":
            values[key] = b"".join(k + v for k, v in (await client.hgetall(key)).items())
        elif kind == b"list":
            values[key] = b"".join(await client.lrange(key, 0, -1))
        elif kind == b"set":
            values[key] = b"".join(await client.smembers(key))
    return values


async def test_fresh_tabs_in_redis_expire_with_the_short_lifetime(
    redis_backend: AppProcess, redis_client: aioredis.Redis
) -> None:
    before = set(await redis_values(redis_client))
    used_before = (await redis_client.info("memory"))["used_memory"]

    await open_fresh_tabs(redis_backend, FRESH_TABS)

    keys = [key for key in await redis_values(redis_client) if key not in before]
    used = (await redis_client.info("memory"))["used_memory"] - used_before
    usage = [await redis_client.memory_usage(key) or 0 for key in keys]
    print(
        f"\nredis: {len(keys) / FRESH_TABS:.2f} keys, {sum(usage) / FRESH_TABS:.0f} B by "
        f"MEMORY USAGE, {used / FRESH_TABS:.0f} B of used_memory per fresh tab"
    )
    assert keys
    ttls = [await redis_client.ttl(key) for key in keys]
    # -2: the key has expired since it was listed (Reflex's short-lived lock keys can).
    assert all(0 < ttl <= DEFAULT_TAB_STATE_SECONDS or ttl == -2 for ttl in ttls), sorted(set(ttls))
    assert any(ttl > 0 for ttl in ttls)


async def test_no_cookie_or_token_in_redis(
    redis_backend: AppProcess, redis_client: aioredis.Redis, signing_key: SigningKey
) -> None:
    credentials = await signed_in_tab_loads(redis_backend, signing_key)
    # Redis writes as each event ends: the loaded color is there already.
    values = await redis_values(redis_client)
    assert any(b"loaded" in value for value in values.values())
    assert secrets_in(b"".join(values.values()), credentials) == []
