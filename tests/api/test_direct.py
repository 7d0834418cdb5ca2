"""`DirectColorRoute`: an API client's color request is answered in front of the stack, exactly as
the route answers it; every other request goes on to the stack."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from clerk_fullstack.api import direct, users
from clerk_fullstack.api.direct import DirectColorRoute, direct_token
from tests.conftest import COMMAND_ENV
from tests.helpers.environment import app_environment
from tests.helpers.payloads import user_created
from tests.helpers.real_http import rest_api
from tests.helpers.stand_in_app import stand_in_app
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token
from tests.helpers.webhooks import deliver

pytestmark = pytest.mark.integration

PATH = "/user/favoriteColor"


class CountingApp:
    """ASGI middleware that counts the HTTP requests reaching `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@dataclass
class Clients:
    long_way: httpx.AsyncClient
    """The REST routes alone: how the stack answers."""
    direct: httpx.AsyncClient
    """The same routes behind `DirectColorRoute`."""
    behind: CountingApp
    """What `direct` passed on."""


def the_long_way() -> ASGIApp:
    """The REST routes behind CORS as Reflex adds it to its top app (`App._add_cors`)."""
    return CORSMiddleware(
        rest_api(direct=False),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
        allow_origins=[TEST_FRONTEND],
    )


@pytest.fixture
async def clients(clean_db: None) -> AsyncIterator[Clients]:
    behind = CountingApp(the_long_way())
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=the_long_way()), base_url="http://testserver"
        ) as long_way,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=DirectColorRoute(behind)),
            base_url="http://testserver",
        ) as direct,
    ):
        assert (await deliver(long_way, user_created("user_direct"))).status_code == 200
        yield Clients(long_way, direct, behind)


def same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert a.headers.multi_items() == b.headers.multi_items()


@pytest.mark.parametrize(
    ("scheme", "sub", "lifetime"),
    [
        ("Bearer", "user_direct", 60),
        ("bearer", "user_direct", 60),
        ("Bearer", "user_none", 60),  # 404
        ("Bearer", "user_direct", -100),  # expired: 401
        ("Bearer", None, 60),  # forged: 401
    ],
    ids=["a stored user", "lower-case scheme", "an unknown user", "an expired token", "forged"],
)
async def test_an_api_client_s_request_is_answered_in_front_as_the_route_answers_it(
    clients: Clients, signing_key: SigningKey, scheme: str, sub: str | None, lifetime: int
) -> None:
    token = mint_token(signing_key, sub=sub, lifetime=lifetime) if sub else "a.b.c"
    headers = {"Authorization": f"{scheme} {token}"}
    direct = await clients.direct.get(PATH, headers=headers)
    assert clients.behind.requests == 0
    same_answer(direct, await clients.long_way.get(PATH, headers=headers))
    assert direct.headers["vary"] == "Origin"
    if sub == "user_direct" and lifetime > 0:
        assert direct.status_code == 200
        assert direct.json()["payload"] in {"RED", "GREEN", "BLUE"}
        assert direct.headers["content-type"] == "application/json"
        assert direct.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "sent"),
    [
        ("GET", "nothing"),  # the long way's 401 token-missing
        ("GET", "a Basic credential"),
        ("GET", "a session cookie"),  # read only on the long way, which checks the origin
        ("GET", "a bearer token and an Origin"),  # a browser's: CORS and the origin guard apply
        ("HEAD", "a bearer token"),
        ("POST", "a bearer token"),  # 405 with the methods served
    ],
)
async def test_every_other_request_takes_the_long_way(
    clients: Clients, signing_key: SigningKey, method: str, sent: str
) -> None:
    token = mint_token(signing_key, sub="user_direct")
    headers = {
        "nothing": {},
        "a Basic credential": {"Authorization": "Basic dXNlcjpwYXNz"},
        "a session cookie": {"Cookie": f"__session={token}"},
        "a bearer token and an Origin": {
            "Authorization": f"Bearer {token}",
            "Origin": "http://testserver",
        },
        "a bearer token": {"Authorization": f"Bearer {token}"},
    }[sent]
    direct = await clients.direct.request(method, PATH, headers=headers)
    assert clients.behind.requests == 1
    same_answer(direct, await clients.long_way.request(method, PATH, headers=headers))


async def test_an_unexpected_error_is_the_long_way_s_plain_500_and_reaches_the_server(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(token: str | None) -> None:
        raise RuntimeError("the database driver broke")

    monkeypatch.setattr(users, "color_for", broken)
    monkeypatch.setattr(direct, "color_for", broken)
    headers = {"Authorization": f"Bearer {mint_token(signing_key, sub='user_direct')}"}
    answers = []
    for app in (DirectColorRoute(the_long_way()), the_long_way()):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answers.append(await client.get(PATH, headers=headers))
    same_answer(*answers)
    assert (answers[0].status_code, answers[0].text) == (500, "Internal Server Error")
    with pytest.raises(RuntimeError, match="driver broke"):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=DirectColorRoute(the_long_way())),
            base_url="http://testserver",
        ) as client:
            await client.get(PATH, headers=headers)


async def test_sockets_and_lifespan_go_on_to_the_app() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    with TestClient(DirectColorRoute(stand_in_app(lifespan=lifespan))) as client:
        with client.websocket_connect("/_event") as socket:
            assert socket.receive_text() == "connected"
        assert client.get("/ping").text == "hello"
    assert events == ["startup", "shutdown"]


def scope(**changes: object) -> Scope:
    base: Scope = {
        "type": "http",
        "method": "GET",
        "path": PATH,
        "root_path": "",
        "headers": [(b"authorization", b"Bearer tok")],
    }
    return {**base, **changes}


def test_which_requests_the_direct_route_answers() -> None:
    assert direct_token(scope()) == "tok"
    assert direct_token(scope(headers=[(b"authorization", b"Bearer  tok ")])) == "tok"
    # the first Authorization header counts, as `request.headers.get` reads it on the long way
    two = [(b"authorization", b"Bearer one"), (b"authorization", b"Bearer two")]
    assert direct_token(scope(headers=two)) == "one"
    assert direct_token(scope(path=f"{PATH}/")) is None
    assert direct_token(scope(path="/user/favoritecolor")) is None
    assert direct_token(scope(root_path="/api")) is None
    assert direct_token(scope(type="websocket")) is None
    assert direct_token(scope(headers=[(b"authorization", b"Bearer ")])) is None
    origin = [(b"authorization", b"Bearer tok"), (b"origin", b"http://testserver")]
    assert direct_token(scope(headers=origin)) is None


def test_the_app_puts_it_in_front_of_reflex_s_backend() -> None:
    """The app module's `app()`, which every server calls for the backend (gunicorn, uvicorn,
    Granian, as factories), returns Reflex's backend behind `DirectColorRoute` (in a child:
    importing the app module installs its log filters and resolves its Clerk instance)."""
    check = (
        "import reflex as rx\n"
        "from clerk_fullstack.api.direct import DirectColorRoute\n"
        "from clerk_fullstack.clerk_fullstack import app\n"
        "reflex_backend = object()\n"
        "rx.App.__call__ = lambda self: reflex_backend\n"
        "backend = app()\n"
        "assert isinstance(backend, DirectColorRoute), backend\n"
        "assert backend.app is reflex_backend\n"
    )
    # Prod settings; nothing connects to the database at import.
    env = app_environment({**COMMAND_ENV, "MONGO_URI": "mongodb://127.0.0.1:9/"})
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
