"""Clerk's browser SDK, pinned: the one module every Clerk wrapper imports from, in every mode.

Local mode differs from Clerk mode only in configuration (the emulator's publishable key and a
proxy URL): the browser always runs Clerk's real SDK. This module imports nothing of the app,
so `clerk_instance` can use it too.
"""

from __future__ import annotations

CLERK_REACT_PACKAGE = "@clerk/react"
CLERK_REACT_VERSION = "6.17.2"
CLERK_REACT = f"{CLERK_REACT_PACKAGE}@{CLERK_REACT_VERSION}"
"""Clerk's React SDK (Core 3), pinned; Reflex installs exactly this version."""

CLERK_JS_MAJOR = "6"
"""The major of `@clerk/clerk-js` that `@clerk/react` 6.17.2 (through `@clerk/shared` 4.41.0)
loads: script URLs say `/npm/@clerk/clerk-js@6/…`."""

CLERK_UI_MAJOR = "1"
"""The major of `@clerk/ui` that `@clerk/react` 6.17.2 loads: `/npm/@clerk/ui@1/…`."""


def script_urls(proxy_url: str) -> tuple[str, str]:
    """Where clerk-js and Clerk UI load from behind `proxy_url`, as Clerk's proxy serves them.

    `@clerk/shared` builds these itself for a relative proxy, but forces `https://` onto an
    absolute one; an `http://` proxy (such as a local emulator) needs them given explicitly.
    """
    proxy = proxy_url.rstrip("/")
    return (
        f"{proxy}/npm/@clerk/clerk-js@{CLERK_JS_MAJOR}/dist/clerk.browser.js",
        f"{proxy}/npm/@clerk/ui@{CLERK_UI_MAJOR}/dist/ui.browser.js",
    )
