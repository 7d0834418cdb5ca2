"""Route paths, defined once for pages, links and Clerk's redirects."""

from __future__ import annotations

HOME = "/"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
FAVORITE_COLOR = "/my-favorite-color"

# Clerk's <SignIn>/<SignUp> move between steps on sub-paths (`/sign-in/factor-one`, …), so those
# pages are mounted with Reflex's only catch-all form, an optional splat, which matches the bare
# path too.
CATCH_ALL = "[[...splat]]"
SIGN_IN_PAGE = f"{SIGN_IN}/{CATCH_ALL}"
SIGN_UP_PAGE = f"{SIGN_UP}/{CATCH_ALL}"
