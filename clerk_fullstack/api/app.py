"""The app's REST routes, answered in front of Reflex's own: an ASGI transformer for `rx.App`.

Reflex mounts a `Starlette` transformer under its top app and adds its CORS middleware to it a
second time; a plain transformer (`ASGIApp -> ASGIApp`) it applies as it is. So the routes run
behind Reflex's one stack (error middleware, CORS, contexts) and add only a router and the
exception handling their errors need.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from clerk_fullstack.api import users
from clerk_fullstack.api.health import health
from clerk_fullstack.api.responses import app_error_handler
from clerk_fullstack.api.webhooks import receive_webhook
from clerk_fullstack.core.errors import AppError, MethodNotAllowedError


class API:
    """Routes to put in front of an ASGI app; calling it with the app does so.

    The routes are read when the transformer is applied (Reflex applies it when it builds its
    backend), so a route appended to `routes` before then is served.
    """

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self.routes = list(routes)

    def __call__(self, app: ASGIApp) -> ASGIApp:
        return RoutesFirst(app, self.routes)


class RoutesFirst:
    """ASGI middleware: an HTTP request for one of `routes` is answered there, with an `AppError`
    as its JSON error; any other request, websocket and lifespan event goes on to `app`.

    "One of `routes`" means the path: another method there is a JSON 405 naming the ones served
    (`Allow`), as every refused request gets a JSON reason; a CORS preflight is answered before
    (Reflex's CORS middleware). An unexpected error is a plain-text 500 sent from inside Reflex's
    CORS middleware, so it carries the CORS headers as any other answer does, then propagates.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        routes = list(routes)
        refusals = [refuse_other_methods(route) for route in routes if isinstance(route, Route)]
        router = Router(routes=[*routes, *refusals, Mount("", app=app)])
        handled = ExceptionMiddleware(router, handlers={AppError: app_error_handler})
        self.http = ServerErrorMiddleware(handled)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class OtherMethods:
    """ASGI app for a route's path and any method, put after the route: the router takes the
    first full match, so only the methods the route does not serve get here, and a 405."""

    def __init__(self, route: Route) -> None:
        self.path = route.path
        self.allowed = route.methods or set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise MethodNotAllowedError(scope["method"], self.path, self.allowed)


def refuse_other_methods(route: Route) -> Route:
    """A route for `route`'s path and every method (an ASGI app, so Starlette sets none)."""
    return Route(route.path, OtherMethods(route), include_in_schema=False)


def build_api() -> API:
    """Webhooks, the REST API and health."""
    return API(
        [
            Route("/webhooks", receive_webhook, methods=["POST"]),
            Route(users.PATH, users.favorite_color, methods=["GET"]),
            Route("/api/health", health, methods=["GET"]),
        ]
    )
