"""Fixtures for the scale-out tests: Redis, a counting JWKS server, a token minter."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, sync_playwright

from clerk_fullstack.core.settings import encode_publishable_key
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.payloads import user_created
from tests.helpers.redis import redis_server
from tests.helpers.tokens import TEST_FRONTEND, TEST_HOST, TEST_ISSUER, new_signing_key
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET, signed_webhook

SCALE_KEY = new_signing_key("ins_scale_out_key")
"""The key the backends fetch from the JWKS server."""
SECRET_KEY = "sk_test_scale_out"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "deploy"


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


def minter() -> Callable[[str], str]:
    """Mint a fresh 60 s session token for a user with the test key (parsed once)."""

    def mint(sub: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "azp": TEST_FRONTEND,
            "exp": now + 60,
            "iat": now,
            "iss": TEST_ISSUER,
            "nbf": now - 5,
            "sid": f"sess_{sub}",
            "sub": sub,
            "v": 2,
            "fva": [0, -1],
        }
        return jwt.encode(claims, SCALE_KEY.private_key, "RS256", headers={"kid": SCALE_KEY.kid})

    return mint


def deliver(base_url: str, user_id: str, *, msg_id: str | None = None) -> httpx.Response:
    """POST one signed `user.created` webhook for `user_id`."""
    body, headers = signed_webhook(user_created(user_id), msg_id=msg_id)
    return httpx.post(f"{base_url}/webhooks", content=body, headers=headers, timeout=30)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once per module (Playwright's sync loop closes after)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
