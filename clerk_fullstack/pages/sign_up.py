"""`/sign-up` (and its sub-paths): Clerk's sign-up form, hosted on our own route."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack import routes
from clerk_fullstack.clerk.control import clerk_loading
from clerk_fullstack.clerk.ui import sign_up
from clerk_fullstack.components.layout import layout

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
