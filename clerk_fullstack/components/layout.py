"""The page frame: nav bar, Clerk status banners, then the page's content."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk.control import clerk_loading
from clerk_fullstack.components.clerk_status import clerk_degraded_banner, clerk_failed_banner
from clerk_fullstack.components.local_banner import local_mode_banner
from clerk_fullstack.components.navbar import navbar


def layout(*children: rx.Component) -> rx.Component:
    """Wrap a page's content in the shared frame."""
    return rx.box(
        navbar(),
        rx.container(
            rx.vstack(
                local_mode_banner(),
                clerk_failed_banner(),
                clerk_degraded_banner(),
                *children,
                spacing="5",
                padding_y="2em",
                width="100%",
            ),
            size="3",
        ),
        min_height="100vh",
    )


def form_page(form: rx.Component) -> rx.Component:
    """A page holding one of Clerk's forms, with a spinner while Clerk loads."""
    return layout(rx.center(clerk_loading(rx.spinner(size="3")), form, width="100%"))
