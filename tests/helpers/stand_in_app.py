"""A stand-in for Reflex's app, for tests of what the app puts in front of it (the REST routes,
the dev origin guard): a page at `/ping` that answers "hello", and a socket at `/_event` that
sends "connected" and closes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import Lifespan
from starlette.websockets import WebSocket


async def hello(_: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("connected")
    await websocket.close()


def stand_in_app(lifespan: Lifespan[Starlette] | None = None) -> Starlette:
    """The page and the socket, with `lifespan` if given."""
    return Starlette(
        routes=[Route("/ping", hello), WebSocketRoute("/_event", echo_socket)], lifespan=lifespan
    )
