"""`<ClerkProvider>`: Clerk's context around the whole app, navigating with React Router."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.base import VarData

from clerk_fullstack.clerk.base import ClerkComponent
from clerk_fullstack.clerk.library import CLERK_REACT
from clerk_fullstack.clerk_instance import get_clerk_instance

_NAVIGATE = "clerkNavigate"
_USE_NAVIGATE: rx.Var[Any] = rx.Var(
    f"const {_NAVIGATE} = useNavigate();",
    _var_data=VarData(imports={"react-router": [rx.ImportVar(tag="useNavigate")]}),
)


class ClerkProvider(ClerkComponent):
    """Provides Clerk's session to every component below it."""

    tag = "ClerkProvider"

    # Installed in every mode, so the frontend lockfile (reflex.lock/) is the same in local mode.
    lib_dependencies: list[str] = [CLERK_REACT]  # noqa: RUF012 - Reflex's class-level field

    publishable_key: rx.Var[str]
    """The instance's publishable key (`pk_test_…`/`pk_live_…`)."""

    sign_in_url: rx.Var[str]
    """Where Clerk sends users to sign in: our own page."""

    sign_up_url: rx.Var[str]
    """Where Clerk sends users to sign up: our own page."""

    after_sign_out_url: rx.Var[str]
    """Where users land after signing out."""

    sign_in_fallback_redirect_url: rx.Var[str]
    """Where users land after signing in when no `redirect_url` says otherwise."""

    sign_up_fallback_redirect_url: rx.Var[str]
    """Where users land after signing up when no `redirect_url` says otherwise."""

    router_push: rx.Var[Any]
    """How Clerk pushes a route; set to React Router's navigate so the page does not reload."""

    router_replace: rx.Var[Any]
    """How Clerk replaces a route."""

    def add_hooks(self) -> list[str | rx.Var[Any]]:
        """React Router's `navigate`, for `routerPush` and `routerReplace`."""
        return [_USE_NAVIGATE]


def clerk_provider(
    *children: rx.Component,
    sign_in_url: str,
    sign_up_url: str,
    after_sign_out_url: str = "/",
    after_sign_in_url: str = "/",
    publishable_key: str | None = None,
) -> ClerkProvider:
    """A ClerkProvider with the publishable key from settings and our own sign-in pages."""
    props: dict[str, Any] = {
        "sign_in_url": sign_in_url,
        "sign_up_url": sign_up_url,
        "after_sign_out_url": after_sign_out_url,
        "sign_in_fallback_redirect_url": after_sign_in_url,
        "sign_up_fallback_redirect_url": after_sign_in_url,
        "router_push": rx.Var(f"((to) => {_NAVIGATE}(to))"),
        "router_replace": rx.Var(f"((to) => {_NAVIGATE}(to, {{ replace: true }}))"),
    }
    props["publishable_key"] = publishable_key or get_clerk_instance().publishable_key
    return ClerkProvider.create(*children, **props)
