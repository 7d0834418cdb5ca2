"""Dev mode works on any loopback origin (CORS guard, token `azp`); prod keeps FRONTEND only."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from clerk_fullstack.core.origins import DevOriginGuard, is_loopback_origin
from tests.helpers.real_http import rest_api
from tests.helpers.stand_in_app import stand_in_app
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token

pytestmark = pytest.mark.unit

LOOPBACK_ORIGINS = ["http://127.0.0.1:3107", "http://localhost:3001", "http://[::1]:3000"]


@pytest.mark.parametrize("origin", LOOPBACK_ORIGINS)
def test_loopback_origins_on_any_port(origin: str) -> None:
    assert is_loopback_origin(origin)


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://127.0.0.1.evil.example", "null", "file://", "http://10.0.0.5"],
)
def test_other_origins_are_not_loopback(origin: str) -> None:
    assert not is_loopback_origin(origin)


def guarded_app() -> TestClient:
    return TestClient(DevOriginGuard(stand_in_app()))


@pytest.mark.parametrize("origin", [*LOOPBACK_ORIGINS, TEST_FRONTEND])
def test_dev_guard_lets_loopback_pages_in(env: pytest.MonkeyPatch, origin: str) -> None:
    client = guarded_app()
    assert client.get("/ping", headers={"origin": origin}).text == "hello"
    with client.websocket_connect("/_event", headers={"origin": origin}) as socket:
        assert socket.receive_text() == "connected"


def test_dev_guard_refuses_other_sites_with_a_json_reason(env: pytest.MonkeyPatch) -> None:
    client = guarded_app()
    response = client.get("/ping", headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["reason"] == "origin-not-allowed"
    assert response.json()["success"] is False
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/_event", headers={"origin": "https://evil.example"}),
    ):
        pass
    assert client.get("/ping").text == "hello"  # no Origin: not a browser's cross-site call


async def color_status(token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=rest_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get("/user/favoriteColor", headers={"authorization": f"Bearer {token}"})


@pytest.mark.integration
async def test_dev_accepts_a_token_from_any_loopback_origin(
    env: pytest.MonkeyPatch, clean_db: None, signing_key: SigningKey
) -> None:
    token = mint_token(signing_key, azp="http://127.0.0.1:3107")
    response = await color_status(token)
    assert response.status_code == 404  # verified; this user simply has no record yet


@pytest.mark.integration
async def test_prod_accepts_only_frontend_as_authorized_party(
    env: pytest.MonkeyPatch, clean_db: None, signing_key: SigningKey
) -> None:
    env.setenv("REFLEX_ENV_MODE", "prod")
    response = await color_status(mint_token(signing_key, azp="http://127.0.0.1:3107"))
    assert response.status_code == 401
    assert response.json()["reason"] == "token-invalid-authorized-parties"
    assert (await color_status(mint_token(signing_key))).status_code == 404
