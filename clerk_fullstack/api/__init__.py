"""HTTP routes mounted into the Reflex backend."""

from clerk_fullstack.api.routes import build_api

__all__ = ["build_api"]
