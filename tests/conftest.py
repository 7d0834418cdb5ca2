"""Test-wide setup: Clerk-shaped settings with local keys, and a real SecantusDB server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.mongo import start_server, uri_for
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, SigningKey, new_signing_key
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

from clerk_fullstack.settings import encode_publishable_key  # isort: skip

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
    "FRONTEND": TEST_FRONTEND,
    "MONGO_DB": "auth",
    "MONGO_TIMEOUT_MS": "1500",
    "REFLEX_ENV_MODE": "dev",
}
os.environ.update(TEST_ENV)


def reset_app_caches() -> None:
    """Forget cached settings and verifier, after a test changed the environment."""
    from clerk_fullstack.auth.session import get_verifier
    from clerk_fullstack.settings import get_settings

    get_settings.cache_clear()
    get_verifier.cache_clear()


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
    reset_app_caches()
    yield uri
    server.stop()


@pytest.fixture(scope="session")
async def database(mongo_uri: str) -> AsyncIterator[None]:
    """The app's database lifespan (client + Beanie) for the whole run."""
    from clerk_fullstack import db

    async with db.lifespan():
        yield


@pytest.fixture
async def clean_db(database: None) -> AsyncIterator[None]:
    """Empty collections before each test that uses the database."""
    from clerk_fullstack.models import DeletedUser, User

    await User.get_pymongo_collection().delete_many({})
    await DeletedUser.get_pymongo_collection().delete_many({})
    yield


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Change settings for one test: `env.setenv(...)`; caches are reset before and after."""
    reset_app_caches()
    yield monkeypatch
    monkeypatch.undo()
    reset_app_caches()


@pytest.fixture
async def api(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the REST sub-app over ASGI, with a clean database."""
    from clerk_fullstack.api import build_api

    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


ROOT = Path(__file__).resolve().parent.parent
