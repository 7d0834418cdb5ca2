"""The REST routes in front of another app, as they are in front of Reflex's in the backend."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from clerk_fullstack.api.app import build_api
from tests.helpers.stand_in_app import stand_in_app
from tests.helpers.tokens import TEST_FRONTEND

pytestmark = pytest.mark.unit


def behind_the_api(events: list[str]) -> TestClient:
    """An app with a page, a socket and a lifespan that records `events`, behind the routes."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    return TestClient(build_api()(stand_in_app(lifespan=lifespan)))


def test_other_paths_sockets_and_lifespan_reach_the_wrapped_app() -> None:
    events: list[str] = []
    with behind_the_api(events) as client:
        assert events == ["startup"]
        assert client.get("/ping").text == "hello"
        assert client.get("/nowhere").status_code == 404
        with client.websocket_connect("/_event") as socket:
            assert socket.receive_text() == "connected"
    assert events == ["startup", "shutdown"]


def test_a_route_renders_its_app_error_as_json(env: pytest.MonkeyPatch) -> None:
    response = behind_the_api([]).get("/user/favoriteColor")
    assert response.status_code == 401
    assert response.json()["reason"] == "token-missing"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/user/favoriteColor", "GET, HEAD"),
        ("DELETE", "/user/favoriteColor", "GET, HEAD"),
        ("GET", "/webhooks", "POST"),
        ("PUT", "/webhooks", "POST"),
        ("POST", "/api/health", "GET, HEAD"),
    ],
)
def test_another_method_on_a_route_s_path_is_a_json_405(
    method: str, path: str, allowed: str
) -> None:
    response = behind_the_api([]).request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json() == {
        "success": False,
        "message": f"{method!r} is not served at {path}; use {allowed}",
        "reason": "method-not-allowed",
    }


def test_a_head_request_is_served_and_other_paths_stay_the_wrapped_app_s() -> None:
    client = behind_the_api([])
    assert client.head("/api/health").status_code != 405
    assert client.get("/api/health/", follow_redirects=False).status_code == 404
    assert client.post("/user/favoriteColor/more").status_code == 404


def test_an_unexpected_error_is_a_plain_500_that_keeps_the_cors_headers() -> None:
    """The 500 is sent inside the CORS middleware around the routes (Reflex's top app's), so a
    page calling from the frontend can read it."""

    async def broken(_: Request) -> PlainTextResponse:
        raise RuntimeError("unexpected")

    api = build_api()
    api.routes.append(Route("/broken", broken))
    app = CORSMiddleware(api(Starlette()), allow_origins=[TEST_FRONTEND], allow_credentials=True)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/broken", headers={"origin": TEST_FRONTEND})
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert response.headers["access-control-allow-origin"] == TEST_FRONTEND
    assert response.headers["vary"] == "Origin"
