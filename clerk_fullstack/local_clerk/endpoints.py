"""The stand-in's HTTP endpoints, mounted in the backend under `/local-clerk`.

`GET /v1/jwks` is the Backend API endpoint the app's verifier fetches (with the secret key).
The `/v1/client…` and `/v1/me` endpoints play Clerk's Frontend API for the browser modules
beside this file (see browser.py); the browser proves its session with
`Authorization: Bearer <client token>`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from clerk_fullstack.local_clerk.config import ROUTE_PREFIX
from clerk_fullstack.local_clerk.errors import NotSignedInError
from clerk_fullstack.local_clerk.instance import SignedIn, get_local_clerk
from clerk_fullstack.local_clerk.requests import client_token, guarded, read_form
from clerk_fullstack.local_clerk.store import LocalUser, clean_email, clean_name
from clerk_fullstack.local_clerk.users_api import users_api_routes

_SESSION = "/v1/client/sessions/{session_id}"


def user_json(user: LocalUser) -> dict[str, Any]:
    """The user as the browser module sees it."""
    return {
        "id": user.id,
        "email_address": user.email_address,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def signed_in_json(signed_in: SignedIn) -> JSONResponse:
    """A new session and the client token the browser keeps for it."""
    return JSONResponse(
        {
            "client_token": signed_in.client_token,
            "session_id": signed_in.session.id,
            "user": user_json(signed_in.user),
        }
    )


async def jwks(request: Request) -> JSONResponse:
    """GET /v1/jwks: the public signing key, for callers holding the secret key."""
    stand_in = get_local_clerk()
    stand_in.check_secret_key(request.headers.get("authorization"))
    return JSONResponse(stand_in.signing_key.jwks())


async def sign_up(request: Request) -> JSONResponse:
    """POST /v1/client/sign_ups: create a user from an email address and names."""
    form = await read_form(request)
    signed_in = await get_local_clerk().sign_up(
        email_address=clean_email(form.get("email_address")),
        first_name=clean_name(form.get("first_name"), "first_name"),
        last_name=clean_name(form.get("last_name"), "last_name"),
        user_agent=request.headers.get("user-agent", ""),
    )
    return signed_in_json(signed_in)


async def sign_in(request: Request) -> JSONResponse:
    """POST /v1/client/sign_ins: start a session for an existing email address."""
    form = await read_form(request)
    signed_in = await get_local_clerk().sign_in(
        email_address=clean_email(form.get("email_address"))
    )
    return signed_in_json(signed_in)


async def current_client(request: Request) -> JSONResponse:
    """GET /v1/client: the session and user this browser holds; nulls when signed out."""
    try:
        session, user = await get_local_clerk().current(client_token(request))
    except NotSignedInError:
        return JSONResponse({"session_id": None, "user": None})
    return JSONResponse({"session_id": session.id, "user": user_json(user)})


async def session_token(request: Request) -> JSONResponse:
    """POST /v1/client/sessions/{session_id}/tokens: a fresh session token (`getToken`)."""
    token = await get_local_clerk().session_token(
        client_token(request),
        session_id=request.path_params["session_id"],
        origin=request.headers.get("origin"),
    )
    return JSONResponse({"object": "token", "jwt": token})


async def end_session(request: Request) -> JSONResponse:
    """POST /v1/client/sessions/{session_id}/end: sign out."""
    await get_local_clerk().sign_out(
        client_token(request), session_id=request.path_params["session_id"]
    )
    return JSONResponse({"object": "session", "status": "ended"})


async def update_me(request: Request) -> JSONResponse:
    """PATCH /v1/me: change the signed-in user's names (sends `user.updated`)."""
    form = await read_form(request)
    user = await get_local_clerk().update_names(
        client_token(request),
        first_name=clean_name(form.get("first_name"), "first_name"),
        last_name=clean_name(form.get("last_name"), "last_name"),
        user_agent=request.headers.get("user-agent", ""),
    )
    return JSONResponse({"user": user_json(user)})


async def delete_me(request: Request) -> JSONResponse:
    """DELETE /v1/me: delete the signed-in user's account (sends `user.deleted`)."""
    user_id = await get_local_clerk().delete_account(
        client_token(request), user_agent=request.headers.get("user-agent", "")
    )
    return JSONResponse({"object": "user", "id": user_id, "deleted": True})


def local_clerk_mount() -> Mount:
    """The stand-in's routes under `/local-clerk`, for the app's Starlette sub-app."""
    return Mount(
        ROUTE_PREFIX,
        routes=[
            Route("/v1/jwks", guarded(jwks), methods=["GET"]),
            Route("/v1/client", guarded(current_client), methods=["GET"]),
            Route("/v1/client/sign_ups", guarded(sign_up), methods=["POST"]),
            Route("/v1/client/sign_ins", guarded(sign_in), methods=["POST"]),
            Route(f"{_SESSION}/tokens", guarded(session_token), methods=["POST"]),
            Route(f"{_SESSION}/end", guarded(end_session), methods=["POST"]),
            Route("/v1/me", guarded(update_me), methods=["PATCH"]),
            Route("/v1/me", guarded(delete_me), methods=["DELETE"]),
            *users_api_routes(),
        ],
    )
