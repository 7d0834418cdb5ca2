"""The Starlette sub-app Reflex mounts in front of its own routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from clerk_fullstack.api.health import health
from clerk_fullstack.api.responses import app_error_handler
from clerk_fullstack.api.users import favorite_color
from clerk_fullstack.api.webhooks import receive_webhook
from clerk_fullstack.core.errors import AppError


def build_api() -> Starlette:
    """Webhooks, the REST API and health."""
    routes: list[BaseRoute] = [
        Route("/webhooks", receive_webhook, methods=["POST"]),
        Route("/user/favoriteColor", favorite_color, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={AppError: app_error_handler})
