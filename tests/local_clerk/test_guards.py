"""The stand-in answers this machine only, takes JSON only, and refuses other sites' pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from clerk_fullstack.api.app import build_api
from clerk_fullstack.local_clerk.instance import get_local_clerk
from tests.helpers.local_clerk import use_local_mode
from tests.helpers.mongo import free_port
from tests.helpers.tokens import TEST_FRONTEND

pytestmark = pytest.mark.unit

SIGN_UP = "/local-clerk/v1/client/sign_ups"
FORM = {"email_address": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"}


@pytest.fixture
def data_dir(env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Local mode; webhooks go to a closed port (these tests only look at the stand-in)."""
    use_local_mode(env, tmp_path, backend_port=free_port())
    return tmp_path


async def client_from(peer: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_api(), client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    get_local_clerk().webhooks.cancel()


@pytest.fixture
async def local(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client on this machine."""
    async for client in client_from("127.0.0.1"):
        yield client


def stored_emails(data_dir: Path) -> list[str]:
    path = data_dir / "local_clerk" / "users.json"
    if not path.exists():
        return []
    return [u["email_address"] for u in json.loads(path.read_text())["users"].values()]


@pytest.mark.parametrize("peer", ["192.168.1.20", "203.0.113.9", "fd00::5"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", SIGN_UP),
        ("POST", "/local-clerk/v1/client/sign_ins"),
        ("GET", "/local-clerk/v1/client"),
    ],
)
async def test_other_machines_get_403(data_dir: Path, peer: str, method: str, path: str) -> None:
    async for client in client_from(peer):
        response = await client.request(method, path, json=FORM)
        assert response.status_code == 403
        assert response.json() == {
            "success": False,
            "message": "The local Clerk stand-in answers this machine only",
            "reason": "loopback_only",
        }
    assert stored_emails(data_dir) == []


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "127.0.0.2"])
async def test_this_machine_is_served(data_dir: Path, peer: str) -> None:
    async for client in client_from(peer):
        response = await client.post(SIGN_UP, json=FORM, headers={"origin": TEST_FRONTEND})
        assert response.status_code == 200, response.text
    assert stored_emails(data_dir) == ["ada@example.org"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
@pytest.mark.parametrize("path", [SIGN_UP, "/local-clerk/v1/client/sign_ins"])
async def test_forms_must_be_json(
    local: httpx.AsyncClient, data_dir: Path, content_type: str, path: str
) -> None:
    response = await local.post(
        path, content=json.dumps(FORM), headers={"content-type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["reason"] == "unsupported_media_type"
    assert stored_emails(data_dir) == []


async def test_json_with_a_charset_is_json(local: httpx.AsyncClient) -> None:
    response = await local.post(
        SIGN_UP,
        content=json.dumps(FORM),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://192.168.1.20:3000"])
async def test_other_sites_pages_are_refused(
    local: httpx.AsyncClient, data_dir: Path, origin: str
) -> None:
    response = await local.post(SIGN_UP, json=FORM, headers={"origin": origin})
    assert response.status_code == 403
    assert response.json()["reason"] == "origin_invalid"
    assert stored_emails(data_dir) == []


@pytest.mark.parametrize("origin", ["http://127.0.0.1:3107", "http://localhost:3001"])
async def test_dev_accepts_any_loopback_page(local: httpx.AsyncClient, origin: str) -> None:
    response = await local.post(SIGN_UP, json=FORM, headers={"origin": origin})
    assert response.status_code == 200, response.text


async def test_outside_dev_only_frontend_is_the_apps_page(
    env: pytest.MonkeyPatch, data_dir: Path
) -> None:
    env.setenv("REFLEX_ENV_MODE", "preview")
    env.setenv("CLERK_MODE", "local")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    async for client in client_from("127.0.0.1"):
        refused = await client.post(SIGN_UP, json=FORM, headers={"origin": "http://127.0.0.1:3107"})
        assert refused.status_code == 403
        assert refused.json()["reason"] == "origin_invalid"
        accepted = await client.post(SIGN_UP, json=FORM, headers={"origin": TEST_FRONTEND})
        assert accepted.status_code == 200, accepted.text
