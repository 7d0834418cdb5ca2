"""The emulator answers this machine only, and refuses pages of other sites, on every route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from clerk_fullstack.local_clerk import in_app
from tests.helpers.clerk_frontend import FrontendAPI
from tests.helpers.local_clerk import (
    asgi_client,
    seed_signing_key,
    standalone_clerk,
    standalone_emulator,
    use_local_mode,
)
from tests.helpers.ports import free_port
from tests.helpers.tokens import TEST_FRONTEND

pytestmark = pytest.mark.unit

ROUTES = [
    ("POST", "/v1/dev_browser"),
    ("GET", "/v1/environment"),
    ("GET", "/v1/client"),
    ("POST", "/v1/client/sign_ups"),
    ("POST", "/v1/client/sign_ins"),
    ("GET", "/v1/me"),
    ("GET", "/v1/jwks"),
    ("GET", "/v1/users"),
    ("GET", "/v1/outage"),
    ("GET", "/npm/@clerk/clerk-js@6/dist/clerk.browser.js"),
]
FORM = {"email_address": "ada@example.org", "password": "correct horse battery"}


@pytest.fixture
def data_dir(env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Local mode; webhooks would go to a closed port (these tests only look at the emulator)."""
    use_local_mode(env, tmp_path, backend_port=free_port())
    seed_signing_key(tmp_path / "local_clerk")
    yield tmp_path / "local_clerk"
    webhooks = in_app.get_local_clerk().webhooks
    assert webhooks is not None
    webhooks.cancel()  # no retries against the closed port once the test is over
    in_app.get_local_clerk.cache_clear()


def clients_in(folder: Path) -> dict[str, Any]:
    """The browsers (clients) the emulator has recorded."""
    path = folder / "users.json"
    clients: dict[str, Any] = json.loads(path.read_text())["clients"] if path.exists() else {}
    return clients


def refused(body: Any, code: str) -> bool:
    """Whether `body` is Clerk's error envelope with `code`."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return False
    return bool(errors[0]["code"] == code and "message" in errors[0])


@pytest.mark.parametrize("peer", ["192.168.1.20", "203.0.113.9", "fd00::5", "::ffff:10.0.0.1"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_other_machines_get_403(data_dir: Path, peer: str, method: str, path: str) -> None:
    async with asgi_client(in_app.emulator_app(), peer) as client:
        response = await client.request(method, path)
    assert response.status_code == 403
    assert refused(response.json(), "loopback_only")
    assert clients_in(data_dir) == {}


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "127.0.0.2", "::ffff:127.0.0.1"])
async def test_this_machine_is_served(data_dir: Path, peer: str) -> None:
    async with asgi_client(in_app.emulator_app(), peer) as client:
        browser = FrontendAPI("http://testserver", http=client)
        body = await browser.sign_up("ada@example.org", "correct horse battery")
    assert body["response"]["status"] == "complete"
    assert len(clients_in(data_dir)) == 1


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://192.168.1.20:3000"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_other_sites_pages_are_refused(
    data_dir: Path, origin: str, method: str, path: str
) -> None:
    async with asgi_client(in_app.emulator_app()) as client:
        response = await client.request(method, path, headers={"origin": origin})
    assert response.status_code == 403
    assert refused(response.json(), "origin_invalid")
    assert clients_in(data_dir) == {}


@pytest.mark.parametrize("origin", [TEST_FRONTEND, "http://127.0.0.1:3107", "http://[::1]:3001"])
async def test_dev_accepts_any_loopback_page(data_dir: Path, origin: str) -> None:
    async with asgi_client(in_app.emulator_app()) as client:
        browser = FrontendAPI("http://testserver", origin=origin, http=client)
        assert (await browser.dev_browser()).startswith("dvb_")
        await browser.sign_up("ada@example.org", "correct horse battery")


async def test_outside_dev_only_frontend_is_the_apps_page(
    env: pytest.MonkeyPatch, data_dir: Path
) -> None:
    env.setenv("REFLEX_ENV_MODE", "preview")
    env.setenv("CLERK_MODE", "local")
    env.setenv("ALLOW_EMBEDDED_MONGO", "1")
    async with asgi_client(in_app.emulator_app()) as client:
        other_port = FrontendAPI("http://testserver", origin="http://127.0.0.1:3107", http=client)
        response = await other_port.call("POST", "/v1/dev_browser")
        assert response.status_code == 403
        assert refused(response.json(), "origin_invalid")
        frontend = FrontendAPI("http://testserver", origin=TEST_FRONTEND, http=client)
        assert await frontend.dev_browser()


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),
        ("http://localhost:5173", 200),
        ("http://127.0.0.1:8080", 200),
        ("https://[::1]:8443", 200),
        ("https://evil.example", 403),
        ("http://localhost.evil.example", 403),
        ("null", 403),
    ],
)
async def test_standalone_serves_pages_on_this_machine_only(
    tmp_path: Path, origin: str | None, status: int
) -> None:
    emulator: Starlette = standalone_emulator(standalone_clerk(tmp_path))
    async with asgi_client(emulator) as client:
        browser = FrontendAPI("http://testserver", origin=origin, http=client)
        response = await browser.call("POST", "/v1/dev_browser")
    assert response.status_code == status, response.text
    if status == 403:
        assert refused(response.json(), "origin_invalid")


async def test_standalone_answers_loopback_peers_only(tmp_path: Path) -> None:
    emulator = standalone_emulator(standalone_clerk(tmp_path))
    async with asgi_client(emulator, "10.1.2.3") as client:
        response = await client.post("/v1/dev_browser")
    assert response.status_code == 403
    assert refused(response.json(), "loopback_only")


async def test_standalone_cors_admits_loopback_pages_with_credentials(tmp_path: Path) -> None:
    emulator = standalone_emulator(standalone_clerk(tmp_path))
    preflight = {"access-control-request-method": "POST"}
    async with asgi_client(emulator) as client:
        allowed = await client.options(
            "/v1/client/sign_ups", headers={"origin": "http://localhost:3000", **preflight}
        )
        refused_page = await client.options(
            "/v1/client/sign_ups", headers={"origin": "https://evil.example", **preflight}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in refused_page.headers


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/no-such-route", 404, "resource_not_found"),
        ("GET", "/npm/@clerk/clerk-js@6/dist/nested/clerk.browser.js", 404, "resource_not_found"),
        ("DELETE", "/v1/client/sign_ups", 405, "method_not_allowed"),
    ],
)
async def test_unknown_paths_and_methods_get_clerks_json_envelope(
    tmp_path: Path, method: str, path: str, status: int, code: str
) -> None:
    emulator = standalone_emulator(standalone_clerk(tmp_path))
    async with asgi_client(emulator) as client:
        response = await client.request(method, path)
    assert response.status_code == status
    assert refused(response.json(), code)
