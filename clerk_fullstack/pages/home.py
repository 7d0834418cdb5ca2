"""`/`: a short welcome and the way to the favorite-color page."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.components.layout import layout
from clerk_fullstack.core import routes

TITLE = "Home"


def home() -> rx.Component:
    """The home page."""
    return layout(
        rx.heading("Welcome", size="8"),
        rx.text(
            "Sign in with Clerk and this app will tell you your favorite color, "
            "read from MongoDB only after the server has verified your session."
        ),
        rx.link(
            rx.button("See my favorite color", size="3"),
            href=routes.FAVORITE_COLOR,
            id="home-favorite-color",
        ),
    )
