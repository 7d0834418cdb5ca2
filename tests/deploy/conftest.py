"""Fixtures for the scale-out tests: Redis, a counting JWKS server, tokens its key signs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clerk_fullstack.core.settings import encode_publishable_key
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.project import ARTIFACTS as ALL_ARTIFACTS
from tests.helpers.redis import redis_server
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, mint_token, new_signing_key
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET

SCALE_KEY = new_signing_key("ins_scale_out_key")
"""The key the backends fetch from the JWKS server."""
SECRET_KEY = "sk_test_scale_out"

ARTIFACTS = ALL_ARTIFACTS / "deploy"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Debian `redis-server` for the module."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def jwks() -> Iterator[JWKSServer]:
    """Clerk's `GET /v1/jwks`, served locally with the test key; it counts fetches."""
    with JWKSServer(SCALE_KEY, secret_key=SECRET_KEY) as server:
        yield server


def backend_settings(mongo_uri: str, redis_url: str, jwks_url: str) -> dict[str, str]:
    """Real-Clerk-shaped settings whose keys come from the JWKS server (no CLERK_JWT_KEY)."""
    return {
        "CLERK_MODE": "clerk",
        "CLERK_PUBLISHABLE_KEY": encode_publishable_key(TEST_HOST),
        "CLERK_SECRET_KEY": SECRET_KEY,
        "CLERK_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
        "CLERK_API_URL": jwks_url,
        "FRONTEND": TEST_FRONTEND,
        "MONGO_URI": mongo_uri,
        "MONGO_DB": "auth",
        "REFLEX_REDIS_URL": redis_url,
        "WEB_CONCURRENCY": "1",
    }


def mint(sub: str) -> str:
    """A fresh 60 s session token for `sub`, in a session of its own, signed with the key the
    JWKS server serves."""
    return mint_token(SCALE_KEY, sub=sub, sid=f"sess_{sub}")
