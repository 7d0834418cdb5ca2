"""Messages for when Clerk is loading, failed to load, or runs degraded."""

from __future__ import annotations

import reflex as rx
from reflex_components_lucide import icon

from clerk_fullstack.clerk.control import clerk_degraded, clerk_failed

CLERK_FAILED_MESSAGE = "Sign-in is unavailable: Clerk could not be loaded."
CLERK_FAILED_HINT = (
    "Check your internet connection (and, if you run this app, its Clerk publishable key), "
    "then reload the page."
)
CLERK_DEGRADED_MESSAGE = "Clerk is having trouble right now; signing in may not work."


def clerk_failed_banner() -> rx.Component:
    """A clear message in place of Clerk's components when its script cannot load."""
    return clerk_failed(
        rx.callout.root(
            rx.callout.icon(icon("triangle_alert")),
            rx.callout.text(rx.text.strong(CLERK_FAILED_MESSAGE), " ", CLERK_FAILED_HINT),
            color_scheme="red",
            role="alert",
            id="clerk-failed",
            width="100%",
        )
    )


def clerk_degraded_banner() -> rx.Component:
    """A warning while Clerk runs in degraded mode."""
    return clerk_degraded(
        rx.callout.root(
            rx.callout.icon(icon("info")),
            rx.callout.text(CLERK_DEGRADED_MESSAGE),
            color_scheme="amber",
            role="status",
            id="clerk-degraded",
            width="100%",
        )
    )
