"""The emulator as one ASGI app: Clerk's Frontend API, its Backend API and Clerk's scripts.

The app's backend mounts it under `/local-clerk` in local mode; `python -m
clerk_fullstack.local_clerk` serves it on its own for any Clerk app. Its base URL is both the
proxy URL clerk-js is given and the Backend API URL (`CLERK_API_URL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from clerk_fullstack.core.errors import AppError
from clerk_fullstack.local_clerk.backend_api import backend_api_routes
from clerk_fullstack.local_clerk.bundles import SERVED_PACKAGES, bundle_file, ensure_bundles
from clerk_fullstack.local_clerk.errors import (
    LocalClerkError,
    NotLoopbackError,
    ResourceNotFoundError,
)
from clerk_fullstack.local_clerk.frontend_api import frontend_api_routes
from clerk_fullstack.local_clerk.instance import TEST_CODE, LocalClerk
from clerk_fullstack.local_clerk.requests import OriginPolicy, guarded, relayed_by_proxy

logger = logging.getLogger(__name__)

LOOPBACK_ORIGINS = r"^https?://(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$"
SCRIPT_CACHE = "public, max-age=3600"


class Bundles:
    """clerk-js and Clerk's UI, fetched once (off the event loop) and then served from disk."""

    def __init__(self) -> None:
        self._roots: dict[str, Path] | None = None
        self._lock = asyncio.Lock()

    async def roots(self) -> dict[str, Path]:
        """The unpacked packages by short name (`clerk-js`, `ui`), fetching them the first time."""
        async with self._lock:
            if self._roots is None:
                self._roots = await asyncio.to_thread(ensure_bundles)
            return self._roots


async def script(request: Request) -> Response:
    """GET /npm/@clerk/<clerk-js|ui>@<any version>/dist/<file>: the pinned package's file."""
    name, _, _version = str(request.path_params["spec"]).partition("@")
    if name not in SERVED_PACKAGES:
        raise ResourceNotFoundError(f"@clerk/{name} is not served by the emulator")
    bundles: Bundles = request.app.state.bundles
    path = bundle_file((await bundles.roots())[name], request.path_params["file"])
    if path is None:
        raise ResourceNotFoundError("No such file in the pinned package")
    return FileResponse(path, media_type="text/javascript", headers={"cache-control": SCRIPT_CACHE})


async def clerk_error(request: Request, exc: Exception) -> JSONResponse:
    """Clerk's error envelope, so Clerk's UI shows the message on the right field.

    The app's own errors (a body too large, too slow, too many at once) come in the same
    envelope, with their status and headers."""
    assert isinstance(exc, AppError)
    logger.info("%s %s refused: %s", request.method, request.url.path, exc.reason)
    body = (
        exc.clerk_json()
        if isinstance(exc, LocalClerkError)
        else LocalClerkError(exc.message, reason=exc.reason).clerk_json()
    )
    return JSONResponse(
        body, status_code=exc.status_code, headers={**exc.headers, "cache-control": "no-store"}
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """An unknown path or method, in Clerk's error envelope rather than plain text."""
    assert isinstance(exc, HTTPException)
    code = {404: "resource_not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "bad_request"
    )
    error = LocalClerkError(f"{request.method} {request.url.path}: {exc.detail}", reason=code)
    return JSONResponse(error.clerk_json(), status_code=exc.status_code, headers=exc.headers)


class RefuseProxied:
    """Refuse every request a proxy relayed, before any route or file is reached.

    The emulator hands out sign-in tokens to whoever reaches it, so it must only ever be
    reached from this machine; behind a proxy, the peer is the proxy and the client is
    unknown. Clerk mode is how the app runs behind one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and relayed_by_proxy(scope["headers"]):
            error = NotLoopbackError(
                "The local Clerk emulator does not answer through a proxy; "
                "run the app in Clerk mode behind one"
            )
            logger.info("%s %s refused: relayed by a proxy", scope["method"], scope["path"])
            response = JSONResponse(
                error.clerk_json(),
                status_code=error.status_code,
                headers={"cache-control": "no-store"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def build_emulator(
    clerk: LocalClerk, origin_allowed: OriginPolicy, *, cors: bool = False
) -> Starlette:
    """The emulator's ASGI app. `cors`: answer cross-origin pages on loopback (standalone use;
    mounted in the app's backend, Reflex's own CORS applies)."""
    middleware = [Middleware(RefuseProxied)] + (
        [
            Middleware(
                CORSMiddleware,
                allow_origin_regex=LOOPBACK_ORIGINS,
                allow_credentials=True,
                allow_methods=["GET", "POST"],
                allow_headers=["*"],
            )
        ]
        if cors
        else []
    )
    app = Starlette(
        routes=[
            *frontend_api_routes(origin_allowed),
            *backend_api_routes(origin_allowed),
            Route(
                "/npm/@clerk/{spec}/dist/{file}", guarded(script, origin_allowed), methods=["GET"]
            ),
        ],
        middleware=middleware,
        exception_handlers={AppError: clerk_error, HTTPException: http_error},
    )
    app.state.clerk = clerk
    app.state.bundles = Bundles()
    return app


@contextlib.asynccontextmanager
async def emulator_lifespan(emulator: Starlette) -> AsyncIterator[None]:
    """Resume webhooks an earlier process left pending, fetch the scripts early; stop at exit."""
    clerk: LocalClerk = emulator.state.clerk
    bundles: Bundles = emulator.state.bundles
    clerk.loop = asyncio.get_running_loop()
    if clerk.webhooks is not None:
        clerk.webhooks.resume()
    logger.warning(
        "Local Clerk emulator: no Clerk account needed; every email code is %s", TEST_CODE
    )
    prefetch = asyncio.create_task(bundles.roots())
    prefetch.add_done_callback(_log_prefetch_failure)
    try:
        yield
    finally:
        prefetch.cancel()
        if clerk.webhooks is not None:
            clerk.webhooks.cancel()


def _log_prefetch_failure(task: asyncio.Task[dict[str, Path]]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("Could not fetch Clerk's browser SDK: %s", task.exception())
