"""Clerk's unstyled buttons: each wraps one child and gives it the click behaviour."""

from __future__ import annotations

from typing import Literal

import reflex as rx

from clerk_fullstack.clerk.base import ClerkButton

ButtonMode = Literal["redirect", "modal"]


class SignInButton(ClerkButton):
    """Starts sign-in: redirects to the sign-in page, or opens Clerk's modal."""

    tag = "SignInButton"

    mode: rx.Var[ButtonMode]
    """`redirect` (to the provider's `signInUrl`) or `modal`."""

    force_redirect_url: rx.Var[str]
    """Always go here after signing in."""

    fallback_redirect_url: rx.Var[str]
    """Go here after signing in when no `redirect_url` says otherwise."""


class SignUpButton(ClerkButton):
    """Starts sign-up: redirects to the sign-up page, or opens Clerk's modal."""

    tag = "SignUpButton"

    mode: rx.Var[ButtonMode]
    """`redirect` (to the provider's `signUpUrl`) or `modal`."""

    force_redirect_url: rx.Var[str]
    """Always go here after signing up."""

    fallback_redirect_url: rx.Var[str]
    """Go here after signing up when no `redirect_url` says otherwise."""


class SignOutButton(ClerkButton):
    """Signs the user out."""

    tag = "SignOutButton"

    redirect_url: rx.Var[str]
    """Where to go after signing out (default: the provider's `afterSignOutUrl`)."""


sign_in_button = SignInButton.create
sign_up_button = SignUpButton.create
sign_out_button = SignOutButton.create
