"""`<ClerkProvider>`: Clerk's context around the whole app, navigating with React Router.

Local mode and Clerk mode differ only in what is passed here: the emulator's publishable key,
and a proxy URL the browser computes from Reflex's backend origin.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from reflex_base.constants import Dirs
from reflex_base.vars.base import VarData

from clerk_fullstack.clerk.base import ClerkComponent
from clerk_fullstack.core.clerk_instance import ClerkInstance, get_clerk_instance
from clerk_fullstack.core.clerk_sdk import CLERK_REACT, script_urls

_NAVIGATE = "clerkNavigate"
_USE_NAVIGATE: rx.Var[Any] = rx.Var(
    f"const {_NAVIGATE} = useNavigate();",
    _var_data=VarData(imports={"react-router": [rx.ImportVar(tag="useNavigate")]}),
)

BACKEND_ORIGIN = "getBackendURL(env.PING).origin"
"""Reflex's backend origin as the browser reaches it (Reflex's own rule: a `localhost` backend
takes the page's host name, so the page may be opened at localhost, 127.0.0.1 or [::1])."""
_BACKEND_ORIGIN_IMPORTS = VarData(
    imports={
        "$/env.json": [rx.ImportVar(tag="env", is_default=True)],
        f"$/{Dirs.STATE_PATH}": [rx.ImportVar(tag="getBackendURL")],
    }
)


class ClerkProvider(ClerkComponent):
    """Provides Clerk's session to every component below it."""

    tag = "ClerkProvider"

    # The pinned SDK, installed exactly (the root .npmrc has npm save exact versions).
    lib_dependencies: list[str] = [CLERK_REACT]  # noqa: RUF012 - Reflex's class-level field

    publishable_key: rx.Var[str]
    """The instance's publishable key (`pk_test_…`/`pk_live_…`)."""

    proxy_url: rx.Var[str]
    """Clerk's proxy: where the browser reaches the Frontend API (local mode: the backend)."""

    domain: rx.Var[str]
    """A satellite's domain."""

    is_satellite: rx.Var[bool]
    """Whether the app is a satellite of another domain's Clerk application."""

    telemetry: rx.Var[bool]
    """`false` turns off Clerk's telemetry (always, in local mode)."""

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


def _behind_backend(path: str) -> str:
    """A JS expression: `path` (on the backend) as the browser reaches it."""
    return f"({BACKEND_ORIGIN} + {json.dumps(path)})"


def _script_url_props(
    clerk_js_url: str | None, clerk_ui_url: str | None, var_data: VarData | None = None
) -> list[rx.Var[Any]]:
    """Clerk's `__internal_clerkJSUrl`/`__internal_clerkUIUrl`, given as JS expressions.

    Reflex mangles a prop name that starts with `__`, so they are spread into the props object
    (Reflex renders a special prop as `...<expr>`) instead of passed as fields.
    """
    entries = {"__internal_clerkJSUrl": clerk_js_url, "__internal_clerkUIUrl": clerk_ui_url}
    spread = ", ".join(f"{name}: {expr}" for name, expr in entries.items() if expr is not None)
    if not spread:
        return []
    return [rx.Var(f"({{{spread}}})", _var_data=var_data)]


def deployment_props(instance: ClerkInstance) -> dict[str, Any]:
    """The ClerkProvider props that tell Clerk's SDK where the instance is, for `instance`."""
    props: dict[str, Any] = {"publishable_key": instance.publishable_key}
    if instance.backend_proxy_path is not None:
        # Local mode: the emulator is on the backend, whose origin only the browser knows.
        clerk_js, clerk_ui = script_urls(instance.backend_proxy_path)
        props["proxy_url"] = rx.Var(
            _behind_backend(instance.backend_proxy_path), _var_data=_BACKEND_ORIGIN_IMPORTS
        )
        props["special_props"] = _script_url_props(
            _behind_backend(clerk_js), _behind_backend(clerk_ui), _BACKEND_ORIGIN_IMPORTS
        )
    else:
        if instance.proxy_url is not None:
            props["proxy_url"] = instance.proxy_url
        props["special_props"] = _script_url_props(
            json.dumps(instance.clerk_js_url) if instance.clerk_js_url else None,
            json.dumps(instance.clerk_ui_url) if instance.clerk_ui_url else None,
        )
    if instance.domain is not None:
        props["domain"] = instance.domain
    if instance.is_satellite:
        props["is_satellite"] = True
    if instance.local:
        props["telemetry"] = False
    return props


def clerk_provider(
    *children: rx.Component,
    sign_in_url: str,
    sign_up_url: str,
    after_sign_out_url: str = "/",
) -> ClerkProvider:
    """A ClerkProvider for the resolved instance (key, proxy, domain) and our own pages."""
    return ClerkProvider.create(
        *children,
        sign_in_url=sign_in_url,
        sign_up_url=sign_up_url,
        after_sign_out_url=after_sign_out_url,
        sign_in_fallback_redirect_url="/",
        sign_up_fallback_redirect_url="/",
        router_push=rx.Var(f"((to) => {_NAVIGATE}(to))"),
        router_replace=rx.Var(f"((to) => {_NAVIGATE}(to, {{ replace: true }}))"),
        **deployment_props(get_clerk_instance()),
    )
