"""`/sign-up` (and its sub-paths): Clerk's sign-up form, hosted on our own route."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk.ui import sign_up
from clerk_fullstack.components.layout import form_page
from clerk_fullstack.core import routes

TITLE = "Sign up"


def sign_up_page() -> rx.Component:
    """The sign-up page."""
    return form_page(sign_up(routing="path", path=routes.SIGN_UP, sign_in_url=routes.SIGN_IN))
