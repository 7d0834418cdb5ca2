"""Control components: `<Show>` and the loading-status gates, plus signed-in/out helpers."""

from __future__ import annotations

import reflex as rx

from clerk_fullstack.clerk.base import ClerkComponent


class Show(ClerkComponent):
    """Renders its children when `when` holds (Core 3's replacement for SignedIn/SignedOut)."""

    tag = "Show"

    when: rx.Var[str | dict[str, str]]
    """`"signed-in"`, `"signed-out"`, or an authorization check such as `{"role": "admin"}`."""

    fallback: rx.Var[rx.Component]
    """Rendered when the condition does not hold."""

    treat_pending_as_signed_out: rx.Var[bool]
    """Whether a session with pending tasks counts as signed out (Clerk's default: yes)."""


class ClerkLoading(ClerkComponent):
    """Renders its children while Clerk is loading."""

    tag = "ClerkLoading"


class ClerkLoaded(ClerkComponent):
    """Renders its children once Clerk has loaded."""

    tag = "ClerkLoaded"


class ClerkFailed(ClerkComponent):
    """Renders its children when Clerk failed to load (offline, blocked script, wrong key)."""

    tag = "ClerkFailed"


class ClerkDegraded(ClerkComponent):
    """Renders its children when Clerk loaded but runs degraded (a Clerk service is down)."""

    tag = "ClerkDegraded"


show = Show.create
clerk_loading = ClerkLoading.create
clerk_loaded = ClerkLoaded.create
clerk_failed = ClerkFailed.create
clerk_degraded = ClerkDegraded.create


def signed_in(*children: rx.Component) -> Show:
    """Content only signed-in users see."""
    return Show.create(*children, when="signed-in")


def signed_out(*children: rx.Component) -> Show:
    """Content only signed-out users see."""
    return Show.create(*children, when="signed-out")
