"""`/sign-up` (and its sub-paths): Clerk's sign-up form, hosted on our own route."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk import clerk_loading, sign_up
from clerk_fullstack.components import layout, routes

TITLE = "Sign up"


def sign_up_page() -> rx.Component:
    """The sign-up page."""
    return layout(
        rx.center(
            clerk_loading(rx.spinner(size="3")),
            sign_up(routing="path", path=routes.SIGN_UP, sign_in_url=routes.SIGN_IN),
            width="100%",
        )
    )
