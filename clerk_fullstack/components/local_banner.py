"""The banner local mode shows on every page: no Clerk account, and the email code to type."""

from __future__ import annotations

import reflex as rx
from reflex_components_lucide import icon

from clerk_fullstack.core.clerk_instance import get_clerk_instance

LOCAL_BANNER_TITLE = "Local sign-in: no Clerk account configured."
EMAIL_CODE = "424242"
"""The local Clerk emulator's one email code (`local_clerk.instance.TEST_CODE`)."""
LOCAL_BANNER_TEXT = (
    f"Clerk's own sign-in runs against a local emulator on this machine. "
    f"Use any email address and password; the email code is always {EMAIL_CODE}."
)


def local_mode_banner() -> rx.Component:
    """The banner in local mode; nothing in Clerk mode (decided when the pages are built)."""
    if not get_clerk_instance().local:
        return rx.fragment()
    return rx.callout.root(
        rx.callout.icon(icon("flask_conical")),
        rx.callout.text(rx.text.strong(LOCAL_BANNER_TITLE), " ", LOCAL_BANNER_TEXT),
        color_scheme="violet",
        role="status",
        id="local-clerk-banner",
        width="100%",
    )
