"""The one place that chooses the JS module every Clerk wrapper imports from.

Pages and wrappers never branch on the Clerk mode: they all import from `clerk_library()`.
"""

from __future__ import annotations

from clerk_fullstack.clerk_instance import get_clerk_instance
from clerk_fullstack.local_clerk.browser import STAND_IN_MODULE

CLERK_REACT_PACKAGE = "@clerk/react"
CLERK_REACT_VERSION = "6.17.2"
CLERK_REACT = f"{CLERK_REACT_PACKAGE}@{CLERK_REACT_VERSION}"
"""Clerk's React SDK (Core 3), pinned; Reflex installs exactly this version."""

LOCAL_CLERK_MODULE: str | None = STAND_IN_MODULE
"""The offline Clerk stand-in's JS module (see `clerk_fullstack/local_clerk/browser.py`).

It exports the names the wrappers use: ClerkProvider, Show, SignInButton, SignUpButton,
SignOutButton, UserButton, SignIn, SignUp, ClerkLoading, ClerkLoaded, ClerkFailed,
ClerkDegraded and useAuth.
"""


def clerk_library() -> str:
    """The module Clerk components come from: the local stand-in in local mode, else Clerk's."""
    if get_clerk_instance().local and LOCAL_CLERK_MODULE is not None:
        return LOCAL_CLERK_MODULE
    return CLERK_REACT
