"""Clerk's prebuilt UI: the user button and the sign-in and sign-up forms."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

from clerk_fullstack.clerk.base import ClerkComponent

Routing = Literal["path", "hash", "virtual"]


class UserButton(ClerkComponent):
    """The signed-in user's avatar with a menu to manage the account and sign out."""

    tag = "UserButton"

    show_name: rx.Var[bool]
    """Whether to show the user's name beside the avatar."""

    after_switch_session_url: rx.Var[str]
    """Where to go after switching sessions (multi-session apps)."""

    appearance: rx.Var[dict[str, Any]]
    """Clerk's appearance overrides."""


class SignIn(ClerkComponent):
    """Clerk's sign-in form, hosted on our own page."""

    tag = "SignIn"

    routing: rx.Var[Routing]
    """How the form moves between steps; `path` uses sub-paths of `path`."""

    path: rx.Var[str]
    """The route the form is mounted on (needs a catch-all for its sub-paths)."""

    sign_up_url: rx.Var[str]
    """Where the "Sign up" link goes."""

    fallback_redirect_url: rx.Var[str]
    """Go here after signing in when no `redirect_url` says otherwise."""

    force_redirect_url: rx.Var[str]
    """Always go here after signing in."""

    appearance: rx.Var[dict[str, Any]]
    """Clerk's appearance overrides."""


class SignUp(ClerkComponent):
    """Clerk's sign-up form, hosted on our own page."""

    tag = "SignUp"

    routing: rx.Var[Routing]
    """How the form moves between steps; `path` uses sub-paths of `path`."""

    path: rx.Var[str]
    """The route the form is mounted on (needs a catch-all for its sub-paths)."""

    sign_in_url: rx.Var[str]
    """Where the "Sign in" link goes."""

    fallback_redirect_url: rx.Var[str]
    """Go here after signing up when no `redirect_url` says otherwise."""

    force_redirect_url: rx.Var[str]
    """Always go here after signing up."""

    appearance: rx.Var[dict[str, Any]]
    """Clerk's appearance overrides."""


user_button = UserButton.create
sign_in = SignIn.create
sign_up = SignUp.create
