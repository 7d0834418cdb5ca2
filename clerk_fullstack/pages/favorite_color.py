"""`/my-favorite-color`: the signed-in user's color, or a prompt to sign in."""

from __future__ import annotations

import reflex as rx
from reflex_components_lucide import icon

from clerk_fullstack.clerk.buttons import sign_in_button, sign_out_button
from clerk_fullstack.clerk.control import clerk_loading, signed_in, signed_out
from clerk_fullstack.clerk.token_sender import clerk_token_sender
from clerk_fullstack.components.color_swatch import color_swatch
from clerk_fullstack.components.connection import backend_unreachable
from clerk_fullstack.components.layout import layout
from clerk_fullstack.core import routes
from clerk_fullstack.state.favorite_color import FavoriteColorState
from clerk_fullstack.state.lookup import ColorStatus

TITLE = "My favorite color"
SIGNED_OUT_MESSAGE = "You need to be signed in to view this page."
LOADING_MESSAGE = "Fetching favorite color..."
LOADED_PREFIX = "Your Favorite Color is: "
NOT_SYNCED_MESSAGE = "Your account is still being set up: the server has not heard from Clerk yet."
NOT_SYNCED_GAVE_UP = "It is taking longer than usual. Please try again in a minute."
INVALID_SESSION_MESSAGE = "Your session could not be verified. Please sign in again."
UNREACHABLE_MESSAGE = "The server could not be reached to fetch your favorite color."


def _try_again() -> rx.Component:
    return rx.button(
        "Try again", on_click=FavoriteColorState.reload, variant="soft", id="try-again"
    )


def _loading() -> rx.Component:
    return rx.hstack(rx.spinner(), rx.text(LOADING_MESSAGE), align="center", id="color-loading")


def _loaded() -> rx.Component:
    return rx.hstack(
        color_swatch(FavoriteColorState.color.lower(), id="color-swatch"),
        rx.text(LOADED_PREFIX, rx.text.strong(FavoriteColorState.color), size="5", id="color-text"),
        rx.icon_button(
            icon("refresh_cw"),
            on_click=FavoriteColorState.reload,
            variant="ghost",
            aria_label="Refresh",
        ),
        align="center",
        spacing="4",
    )


def _not_synced() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(icon("hourglass")),
        rx.callout.text(NOT_SYNCED_MESSAGE),
        rx.cond(
            FavoriteColorState.retry_in > 0,
            rx.callout.text(f"Checking again in {FavoriteColorState.retry_in} s..."),
            rx.cond(
                FavoriteColorState.sync_attempts_left > 0,
                rx.callout.text("Checking again..."),
                rx.vstack(rx.callout.text(NOT_SYNCED_GAVE_UP), _try_again()),
            ),
        ),
        color_scheme="amber",
        id="color-not-synced",
    )


def _invalid_session() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(icon("shield_alert")),
        rx.callout.text(INVALID_SESSION_MESSAGE),
        rx.hstack(
            sign_out_button(rx.button("Sign in again"), redirect_url=routes.SIGN_IN),
            _try_again(),
        ),
        color_scheme="red",
        id="color-invalid-session",
    )


def _unreachable() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(icon("wifi_off")),
        rx.callout.text(UNREACHABLE_MESSAGE, " Check your connection and try again."),
        rx.box(_try_again()),
        color_scheme="red",
        id="color-unreachable",
    )


def _backend_unreachable() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(icon("wifi_off")),
        rx.callout.text(UNREACHABLE_MESSAGE, " Reconnecting..."),
        color_scheme="red",
        id="color-backend-unreachable",
    )


def _signed_in_content() -> rx.Component:
    # Mounted only while Clerk says "signed in": the sender loads, each unmount forgets.
    return rx.box(
        # Sends `load` with a fresh token when the state wants a load (one event up, one delta
        # down), and answers the server's token requests (re-checks) through `recheck`.
        clerk_token_sender(
            socket=rx.State.router.session.session_id,
            load_request=FavoriteColorState.load_request,
            request=FavoriteColorState.token_request,
            skip_cache=FavoriteColorState.token_skip_cache,
            on_load=FavoriteColorState.load,
            on_recheck=FavoriteColorState.recheck,
        ),
        rx.cond(
            # No socket to the backend: nothing can load until Reflex reconnects (it retries).
            backend_unreachable & (FavoriteColorState.status != ColorStatus.LOADED),
            _backend_unreachable(),
            rx.match(
                FavoriteColorState.status,
                (ColorStatus.LOADED.value, _loaded()),
                (ColorStatus.NOT_SYNCED.value, _not_synced()),
                (ColorStatus.INVALID_SESSION.value, _invalid_session()),
                (ColorStatus.UNREACHABLE.value, _unreachable()),
                # Idle (until the load's answer) or loading (a retry past Clerk's cache).
                _loading(),
            ),
        ),
        on_unmount=FavoriteColorState.forget,
        id="color-signed-in",
    )


def _signed_out_content() -> rx.Component:
    return rx.vstack(
        rx.text(SIGNED_OUT_MESSAGE, size="4"),
        sign_in_button(rx.button("Sign in", id="page-sign-in")),
        on_mount=FavoriteColorState.forget,
        id="color-signed-out",
    )


def favorite_color_page() -> rx.Component:
    """The favorite-color page."""
    return layout(
        rx.heading(TITLE, size="7"),
        clerk_loading(rx.spinner(size="3")),
        signed_in(_signed_in_content()),
        signed_out(_signed_out_content()),
    )
