"""Test-wide setup: Clerk-shaped settings with local keys, and a real SecantusDB server."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import ssl
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from pymongo.errors import AutoReconnect

from clerk_fullstack.core.settings import encode_publishable_key
from clerk_fullstack.core.tls import client_tls
from clerk_fullstack.server.startup import reset_caches
from tests.helpers.app_process import AppProcess, prod_backend
from tests.helpers.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.helpers.frontend import exported_frontend
from tests.helpers.mongo import ChildServer, start_server, uri_for
from tests.helpers.ports import free_port
from tests.helpers.project import ROOT, TIMINGS
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, SigningKey, new_signing_key
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

TEST_KEY = new_signing_key()
"""The key the app trusts through CLERK_JWT_KEY in tests."""

TEST_ENV = {
    "CLERK_MODE": "clerk",
    "CLERK_PUBLISHABLE_KEY": encode_publishable_key(TEST_HOST),
    "CLERK_SECRET_KEY": "sk_test_clerk_fullstack_tests",
    "CLERK_JWT_KEY": TEST_KEY.public_pem,
    "CLERK_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
    "CLERK_AUTHORIZED_PARTIES": "",
    "CLERK_API_URL": "https://api.clerk.com",
    # No test asks the real Clerk for a user the webhooks have not delivered; the tests of that
    # feature turn it on against a double or the emulator.
    "CLERK_FETCH_MISSING_USERS": "false",
    # Clerk's deployment settings, unset (a developer's shell or .env must not leak in).
    "CLERK_PROXY_URL": "",
    "CLERK_DOMAIN": "",
    "CLERK_IS_SATELLITE": "false",
    "CLERK_JS_URL": "",
    "CLERK_UI_URL": "",
    "FRONTEND": TEST_FRONTEND,
    "MONGO_DB": "auth",
    # Long enough that a heartbeat delayed by a busy machine does not interrupt the shared
    # database's connections (pymongo clears its pool when one times out).
    "MONGO_TIMEOUT_MS": "5000",
    "REFLEX_ENV_MODE": "dev",
}
COMMAND_ENV = {k: v for k, v in TEST_ENV.items() if k != "REFLEX_ENV_MODE"}
"""The test settings for a child whose mode comes from its command (`reflex run --env prod`,
`reflex export`), not from REFLEX_ENV_MODE."""
os.environ.update(TEST_ENV)
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist each worker's apps keep their tabs' state in a folder of their own:
    # `reflex run` empties the project's state folder when it starts.
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix=f"clerk-fullstack-tests-{_worker}-")
    atexit.register(shutil.rmtree, os.environ["XDG_STATE_HOME"], ignore_errors=True)
# Clerk's browser SDK, fetched with `npm pack` once and kept across runs (`.data/` is ignored by
# git); children the tests start (the emulator's command, `reflex run`) inherit it.
os.environ.setdefault(
    "CLERK_EMULATOR_CACHE",
    str(ROOT / ".data" / "clerk-emulator-cache"),
)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """The key behind CLERK_JWT_KEY."""
    return TEST_KEY


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SecantusDB server for the whole run; MONGO_URI points at it."""
    server = start_server(tmp_path_factory.mktemp("secantus"))
    uri = uri_for(server.port)
    os.environ["MONGO_URI"] = uri
    reset_caches()
    yield uri
    server.stop()


@pytest.fixture(scope="session")
def compiled_frontend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, mongo_uri: str
) -> Path:
    """The run's exported frontend, the `.web/` every app copy starts from (one per run: under
    pytest-xdist the workers share it, beside their own temporary folders)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if hasattr(request.config, "workerinput") else base
    return exported_frontend(shared, {**COMMAND_ENV, "MONGO_URI": mongo_uri})


@pytest.fixture(scope="module")
def child_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    """A SecantusDB in its own process, one per test module, that a test can stop and start."""
    server = ChildServer(tmp_path_factory.mktemp("child-db"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def backend(
    child_database: ChildServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppProcess]:
    """`reflex run --env prod --backend-only` with the test keys, as in production, one per
    module (a module that needs another layout defines its own `backend`)."""
    with prod_backend(TEST_ENV, child_database.port, tmp_path_factory.mktemp("logs")) as process:
        yield process


@pytest.fixture(scope="session")
async def database(mongo_uri: str) -> AsyncIterator[None]:
    """The app's database lifespan (client + Beanie) for the whole run, once connected."""
    from clerk_fullstack.core import db
    from clerk_fullstack.users.models import DOCUMENT_MODELS

    async with db.lifespan(DOCUMENT_MODELS) as connecting:
        await asyncio.wait_for(connecting, 120)
        yield


@pytest.fixture
async def clean_db(database: None) -> AsyncIterator[None]:
    """Empty every collection (users, tombstones, the instance record) before each test."""
    from clerk_fullstack.users.models import DOCUMENT_MODELS

    for attempt in range(3):
        try:
            for model in DOCUMENT_MODELS:
                await model.get_pymongo_collection().delete_many({})
            break
        except AutoReconnect:
            # After minutes without a query (slow process tests), the first call on the shared
            # client can race pymongo's own discovery that its pooled connections were dropped.
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
    yield


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change settings for one test: `env.setenv(...)`; caches are reset before and after."""
    reset_caches()
    yield monkeypatch
    monkeypatch.undo()
    reset_caches()


@pytest.fixture
def contexts_built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every TLS context built from now on (`core/tls.py`'s shared one exists already): the
    tests that check a client reuses it count these."""
    client_tls()
    built: list[object] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        built.append(args or kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    yield built


@pytest.fixture
async def api(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the REST routes over ASGI, with a clean database."""
    from tests.helpers.real_http import rest_api

    transport = httpx.ASGITransport(app=rest_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once per module.

    Module scope matters: Playwright's sync API keeps an event loop running while it is open,
    and the async tests that run after the browser suites need it closed.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--bench` runs the benchmark smoke tests, which a plain `pytest` skips."""
    parser.addoption("--bench", action="store_true", help="run tests marked bench")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip `bench` tests unless `--bench` was given, so a contributor's quick loop stays quick;
    run the modules that start browsers, then apps, first (see `module_rank`)."""
    if not config.getoption("--bench"):
        skip = pytest.mark.skip(reason="benchmark: run with --bench (scripts/test.sh does)")
        for item in items:
            if item.get_closest_marker("bench"):
                item.add_marker(skip)
    rank: dict[Path, int] = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, REST), module_rank(item))
    # Among the rest, the modules with the most tests first (many parametrised cases add up),
    # so the last to start are the ones with a few short tests.
    size = Counter(item.path for item in items)
    position = {id(item): index for index, item in enumerate(items)}
    items.sort(
        key=lambda item: (
            rank[item.path],
            -size[item.path] if rank[item.path] == REST else 0,
            position[id(item)],
        )
    )


LONGEST = tuple(
    Path(__file__).parent / name
    for name in (
        "e2e/test_browser_ui.py",  # 150 s
        "state/test_state_at_rest.py",  # 55 s
        "e2e/test_emulator_browser.py",  # 100 s
        "bench/test_bench_smoke.py",  # 45 s
        "core/test_embedded_mongo.py",  # 45 s
        "e2e/test_emulator_account.py",  # 100 s
    )
)
"""The modules that take longest (one worker's seconds in a parallel run), in the order they
start. The first four start at once, one per worker; two of them need no compiled frontend, so
they use the CPU while the first browser module exports it and the second waits for it."""
REST = len(LONGEST) + 2
"""`module_rank` of a module that is not long, starts no browser and is not slow."""


def module_rank(item: pytest.Item) -> int:
    """The place of the item's module in `LONGEST`; then a browser test, another slow one, and
    the rest.

    pytest-xdist (`-n 4 --dist loadfile --no-loadscope-reorder`: one file per worker at a time)
    hands out files in this order: the long ones start first and the many short ones fill the
    gaps at the end, instead of a long module starting last and running alone.
    """
    if item.path in LONGEST:
        return LONGEST.index(item.path)
    if item.get_closest_marker("browser"):
        return len(LONGEST)
    return len(LONGEST) + 1 if item.get_closest_marker("slow") else REST


# Clerk's UI waits on real HTTP round trips (a password hash, a first compile in dev): give every
# browser expectation the same patience as the pages' own 30 s default.
expect.set_options(timeout=30_000)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the run's controller, not an xdist worker
        TIMINGS.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS.exists():
        terminalreporter.section("measured")
        terminalreporter.write(TIMINGS.read_text())
