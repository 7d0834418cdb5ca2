"""`/sign-in` (and its sub-paths): Clerk's sign-in form, hosted on our own route."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk.ui import sign_in
from clerk_fullstack.components.layout import form_page
from clerk_fullstack.core import routes

TITLE = "Sign in"


def sign_in_page() -> rx.Component:
    """The sign-in page."""
    return form_page(sign_in(routing="path", path=routes.SIGN_IN, sign_up_url=routes.SIGN_UP))
