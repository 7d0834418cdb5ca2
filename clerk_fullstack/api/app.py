"""The Starlette sub-app Reflex mounts in front of its own routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from clerk_fullstack.api.health import health
from clerk_fullstack.api.responses import app_error_handler
from clerk_fullstack.api.users import favorite_color
from clerk_fullstack.api.webhooks import receive_webhook
from clerk_fullstack.clerk_instance import get_clerk_instance
from clerk_fullstack.errors import AppError


def build_api() -> Starlette:
    """Webhooks, the REST API, health and, in local mode, the Clerk stand-in's endpoints."""
    routes: list[BaseRoute] = [
        Route("/webhooks", receive_webhook, methods=["POST"]),
        Route("/user/favoriteColor", favorite_color, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
    ]
    if get_clerk_instance().local:
        # Imported here so that Clerk mode never loads the stand-in.
        from clerk_fullstack.local_clerk.endpoints import local_clerk_mount

        routes.append(local_clerk_mount())
    return Starlette(routes=routes, exception_handlers={AppError: app_error_handler})
