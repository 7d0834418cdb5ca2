"""The Frontend API that Clerk's real browser SDK (clerk-js and Clerk's UI) calls, under `/v1`.

clerk-js sends PATCH and DELETE as POST with `_method=`, form-encoded bodies, and the development
browser id as `__clerk_db_jwt` on every call. Resource calls answer `{response, client}`; the
environment, tokens and the development browser answer bare objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clerk_fullstack.local_clerk.environment import environment
from clerk_fullstack.local_clerk.errors import NotEmulatedError, ResourceNotFoundError
from clerk_fullstack.local_clerk.instance import LocalClerk
from clerk_fullstack.local_clerk.requests import (
    OriginPolicy,
    caller_of,
    guarded,
    method_of,
    read_form,
)

NO_STORE = {"cache-control": "no-store"}
Handler = Callable[[LocalClerk, Request], Awaitable[Any]]


def clerk_of(request: Request) -> LocalClerk:
    """The emulator serving this request (kept on its Starlette app)."""
    clerk: LocalClerk = request.app.state.clerk
    return clerk


async def run(request: Request, work: Callable[..., Any], *args: Any) -> Any:
    """Run a store transaction off the event loop; webhooks it sends start on this loop."""
    clerk_of(request).loop = asyncio.get_running_loop()
    return await asyncio.to_thread(work, *args)


def methods(**handlers: Handler) -> Callable[[Request], Awaitable[Response]]:
    """One path, a handler per (overridden) method: `GET`, `POST`, `PATCH`, `DELETE`."""

    async def endpoint(request: Request) -> Response:
        handler = handlers.get(method_of(request))
        if handler is None:
            raise ResourceNotFoundError(f"{method_of(request)} {request.url.path} is not emulated")
        return JSONResponse(await handler(clerk_of(request), request), headers=NO_STORE)

    return endpoint


async def _environment(clerk: LocalClerk, request: Request) -> Any:
    return environment(clerk.application_name, clerk.instance_id)


async def _dev_browser(clerk: LocalClerk, request: Request) -> Any:
    browser_id = await run(request, clerk.new_browser)
    return {"object": "dev_browser", "id": browser_id}


async def _client(clerk: LocalClerk, request: Request) -> Any:
    return await run(request, clerk.client, caller_of(request))


async def _sign_out(clerk: LocalClerk, request: Request) -> Any:
    return await run(request, clerk.sign_out, caller_of(request))


def _with_form(method: Callable[..., Any], *path_params: str) -> Handler:
    """A handler that passes the caller, the path parameters and the form to `method`."""

    async def handler(clerk: LocalClerk, request: Request) -> Any:
        form = await read_form(request)
        params = [request.path_params[name] for name in path_params]
        return await run(
            request, getattr(clerk, method.__name__), caller_of(request), *params, form
        )

    return handler


def _with_path(method: Callable[..., Any], *path_params: str) -> Handler:
    """A handler that passes the caller and the path parameters to `method`."""

    async def handler(clerk: LocalClerk, request: Request) -> Any:
        params = [request.path_params[name] for name in path_params]
        return await run(request, getattr(clerk, method.__name__), caller_of(request), *params)

    return handler


async def _not_emulated(clerk: LocalClerk, request: Request) -> Any:
    raise NotEmulatedError(
        "This Clerk feature is not available in the local emulator",
        long_message="The local Clerk emulator offers email + password and email codes only; "
        "use a real Clerk instance for this feature.",
    )


_SIGN_UP = "/v1/client/sign_ups/{sign_up_id}"
_SIGN_IN = "/v1/client/sign_ins/{sign_in_id}"
_SESSION = "/v1/client/sessions/{session_id}"


def frontend_api_routes(origin_allowed: OriginPolicy) -> list[Route]:
    """The Frontend API's routes, each behind the loopback and Origin checks."""
    table: list[tuple[str, Callable[[Request], Awaitable[Response]]]] = [
        ("/v1/environment", methods(GET=_environment, PATCH=_environment, POST=_environment)),
        ("/v1/dev_browser", methods(POST=_dev_browser)),
        ("/v1/client", methods(GET=_client, POST=_client, DELETE=_sign_out)),
        ("/v1/client/sign_ups", methods(POST=_with_form(LocalClerk.create_sign_up))),
        (_SIGN_UP, methods(PATCH=_with_form(LocalClerk.update_sign_up, "sign_up_id"))),
        (
            f"{_SIGN_UP}/prepare_verification",
            methods(POST=_with_form(LocalClerk.prepare_sign_up, "sign_up_id")),
        ),
        (
            f"{_SIGN_UP}/attempt_verification",
            methods(POST=_with_form(LocalClerk.attempt_sign_up, "sign_up_id")),
        ),
        ("/v1/client/sign_ins", methods(POST=_with_form(LocalClerk.create_sign_in))),
        (
            f"{_SIGN_IN}/prepare_first_factor",
            methods(POST=_with_form(LocalClerk.prepare_first_factor, "sign_in_id")),
        ),
        (
            f"{_SIGN_IN}/attempt_first_factor",
            methods(POST=_with_form(LocalClerk.attempt_first_factor, "sign_in_id")),
        ),
        ("/v1/client/sessions", methods(DELETE=_sign_out)),
        (f"{_SESSION}/touch", methods(POST=_with_path(LocalClerk.touch, "session_id"))),
        (f"{_SESSION}/tokens", methods(POST=_with_path(LocalClerk.session_token, "session_id"))),
        (f"{_SESSION}/tokens/{{template}}", methods(POST=_not_emulated)),
        (f"{_SESSION}/end", methods(POST=_with_path(LocalClerk.end_session, "session_id"))),
        (f"{_SESSION}/remove", methods(POST=_with_path(LocalClerk.end_session, "session_id"))),
        (
            "/v1/me",
            methods(
                GET=_with_path(LocalClerk.me),
                PATCH=_with_form(LocalClerk.update_me),
                POST=_with_form(LocalClerk.update_me),
                DELETE=_with_path(LocalClerk.delete_me),
            ),
        ),
        ("/v1/me/sessions/active", methods(GET=_with_path(LocalClerk.active_sessions))),
        (
            "/v1/me/sessions/{session_id}/revoke",
            methods(POST=_with_path(LocalClerk.revoke_session, "session_id")),
        ),
        ("/v1/me/change_password", methods(POST=_with_form(LocalClerk.change_password))),
        (
            "/v1/me/{rest:path}",
            methods(
                GET=_not_emulated, POST=_not_emulated, PATCH=_not_emulated, DELETE=_not_emulated
            ),
        ),
    ]
    return [
        Route(path, guarded(endpoint, origin_allowed), methods=["GET", "POST"])
        for path, endpoint in table
    ]
