"""The nav bar on every page: home link, the favorite-color link, and the account control."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk.buttons import sign_in_button
from clerk_fullstack.clerk.control import clerk_failed, clerk_loading, signed_in, signed_out
from clerk_fullstack.clerk.ui import user_button
from clerk_fullstack.core import routes

APP_NAME = "Clerk Fullstack"


def account_control() -> rx.Component:
    """The user button if signed in, else "Sign in" (disabled while Clerk cannot load)."""
    return rx.box(
        clerk_loading(rx.spinner(size="2")),
        clerk_failed(
            rx.button(
                "Sign in", disabled=True, title="Sign-in is unavailable", id="nav-sign-in-failed"
            )
        ),
        signed_in(user_button()),
        signed_out(sign_in_button(rx.button("Sign in", id="nav-sign-in"), mode="redirect")),
        id="nav-account",
    )


def navbar() -> rx.Component:
    """The top bar."""
    return rx.el.nav(
        rx.hstack(
            rx.link(rx.heading(APP_NAME, size="5"), href=routes.HOME, underline="none"),
            rx.spacer(),
            rx.link("My favorite color", href=routes.FAVORITE_COLOR, id="nav-favorite-color"),
            account_control(),
            align="center",
            spacing="5",
            width="100%",
        ),
        id="navbar",
        padding_x="1.5em",
        padding_y="0.75em",
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
    )
