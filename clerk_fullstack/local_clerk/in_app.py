"""Local mode's one door: the app module calls `serve_in` to run the emulator in its backend.

Local mode then differs from Clerk mode only in configuration: the emulator's publishable key,
its base URL as the Backend API, and its base URL (seen from the browser) as Clerk's proxy URL.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator

import reflex as rx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from clerk_fullstack.core import local_instance as config
from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.origins import app_origin_allowed
from clerk_fullstack.core.settings import ConfigError, get_settings
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.instance import LocalClerk
from clerk_fullstack.local_clerk.outbox import Outbox
from clerk_fullstack.local_clerk.server import build_emulator, emulator_lifespan
from clerk_fullstack.local_clerk.signing_key import load_signing_key
from clerk_fullstack.local_clerk.store import UserStore

logger = logging.getLogger(__name__)

APPLICATION_NAME = "Clerk Fullstack (local)"


@functools.cache
def get_local_clerk() -> LocalClerk:
    """The process-wide emulator for the app's local Clerk instance."""
    instance = get_clerk_instance()
    settings = get_settings()
    if not (instance.local and instance.secret_key and instance.webhook_secret):
        raise ValueError("the local Clerk emulator runs only in local mode")
    folder = config.directory(settings)
    return LocalClerk(
        store=UserStore(folder),
        signing_key=load_signing_key(folder),
        issuer=instance.issuer,
        secret_key=instance.secret_key,
        webhooks=WebhookSender(
            f"{config.backend_url(settings)}/webhooks",
            instance.webhook_secret,
            outbox=Outbox(folder / "outbox"),
        ),
        default_party=settings.frontend,
        application_name=APPLICATION_NAME,
        token_seconds=settings.local_clerk_token_seconds,
    )


def emulator_app() -> Starlette:
    """The emulator as the app's backend serves it (the app's own Origin rule applies)."""
    return build_emulator(get_local_clerk(), app_origin_allowed)


@contextlib.asynccontextmanager
async def in_app_lifespan(emulator: Starlette) -> AsyncIterator[None]:
    """The emulator's start-up work, in a backend that knows its own port (else it fails)."""
    try:
        config.require_backend_port(get_settings())
    except ConfigError as exc:
        # Its own record: the server logs the traceback as one record, cut at 500 characters.
        logger.error("%s", exc)
        raise
    async with emulator_lifespan(emulator):
        yield


def serve_in(app: rx.App, routes: list[BaseRoute]) -> None:
    """Mount the emulator under `/local-clerk` among the app's REST `routes`, with its start-up
    work."""
    emulator = emulator_app()
    routes.append(Mount(config.ROUTE_PREFIX, app=emulator))
    app.register_lifespan_task(in_app_lifespan, emulator=emulator)
