"""Fresh session tokens for Reflex events: `useAuth().getToken()`, sent with the event itself.

Reflex captures cookies once per websocket connection, so a handler cannot read a refreshed
`__session` cookie. The page's `ClerkTokenSender` (its React code is `token_sender.js`, beside
this file) gets a token from Clerk and sends it with the event that needs it: the load, or the
answer to a re-check the server asked for. A load is then one event up and one delta down.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx
from reflex.event import passthrough_event_spec

from clerk_fullstack.core.clerk_sdk import CLERK_REACT

TOKEN_TIMEOUT_MS = 10_000
"""How long to wait for Clerk to hand out a token before sending an error instead."""

TOKEN_SENDER_JS = rx.asset("token_sender.js", shared=True)
"""The component's React code; Reflex links it into the frontend's public assets."""


class TokenResult(TypedDict):
    """What the browser sends: a token (None when signed out), or why there is none."""

    token: str | None
    error: str | None


class ClerkTokenSender(rx.Component):
    """Renders nothing; sends a `TokenResult` with `on_load` and `on_recheck` (never hangs).

    It must sit inside `ClerkProvider`, on the page whose state it serves. It loads once per
    socket and `load_request` (empty: no load wanted), and answers each new `request` id once.
    """

    library = TOKEN_SENDER_JS.importable_path
    tag = "ClerkTokenSender"
    lib_dependencies: list[str] = [CLERK_REACT]  # noqa: RUF012 - Reflex's own declaration

    socket: rx.Var[str]
    """The socket's id, known once the page has hydrated: a new socket is loaded again."""

    load_request: rx.Var[str]
    """Not empty while the state wants a load; a new id asks for another."""

    request: rx.Var[str]
    """The id of the server's latest token request (a re-check); empty for none."""

    skip_cache: rx.Var[bool]
    """Whether that request wants a token past Clerk's cache."""

    timeout_ms: rx.Var[int] = rx.Var.create(TOKEN_TIMEOUT_MS)
    """How long to wait for Clerk before sending an error."""

    # Reflex reads the argument spec from the annotation; mypy cannot type a call there.
    on_load: rx.EventHandler[passthrough_event_spec(TokenResult)]  # type: ignore[valid-type,type-arg]
    """Receives the `TokenResult` for a load."""

    on_recheck: rx.EventHandler[passthrough_event_spec(TokenResult)]  # type: ignore[valid-type,type-arg]
    """Receives the `TokenResult` answering `request`."""


clerk_token_sender = ClerkTokenSender.create
