"""Factories for the local Clerk emulator's tests: local-mode settings, an app on a real port."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from granian.constants import Interfaces
from granian.server.embed import Server
from starlette.applications import Starlette
from starlette.types import ASGIApp

from clerk_fullstack.core.files import write_private
from clerk_fullstack.core.local_instance import emulator_config
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.instance import LocalClerk
from clerk_fullstack.local_clerk.requests import OriginPolicy, loopback_origins
from clerk_fullstack.local_clerk.server import build_emulator
from clerk_fullstack.local_clerk.signing_key import (
    SIGNING_KEY_FILE,
    load_signing_key,
    new_private_key_pem,
)
from clerk_fullstack.local_clerk.store import UserStore
from clerk_fullstack.server.startup import reset_caches
from tests.helpers.ports import free_port
from tests.helpers.tokens import TEST_FRONTEND

CLERK_VARIABLES = (
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SECRET",
    "CLERK_JWT_KEY",
    "CLERK_API_URL",
)


@functools.cache
def shared_signing_key_pem() -> bytes:
    """One RSA key for the emulators a test process makes: generating one costs about 80 ms of
    CPU. The key's own tests (`test_signing_key.py`) generate theirs in empty folders."""
    return new_private_key_pem()


def seed_signing_key(folder: Path) -> None:
    """Put the shared key in an emulator's data folder, as if it had made it there."""
    path = folder / SIGNING_KEY_FILE
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(path, shared_signing_key_pem())


def use_local_mode(
    env: pytest.MonkeyPatch, data_dir: Path, *, backend_port: int | None = None
) -> None:
    """Settings as on a machine with no Clerk keys: `auto` mode picks the local emulator.

    The cached settings, Clerk instance and emulator are forgotten, so they follow these."""
    for variable in CLERK_VARIABLES:
        env.delenv(variable, raising=False)
    env.setenv("CLERK_MODE", "auto")
    env.setenv("DATA_DIR", str(data_dir))
    env.setenv("FRONTEND", TEST_FRONTEND)
    if backend_port is not None:
        env.setenv("REFLEX_BACKEND_PORT", str(backend_port))
    reset_caches()
    # Imported here: the emulator's module loads Reflex, which most users of this need not.
    from clerk_fullstack.local_clerk.in_app import get_local_clerk

    get_local_clerk.cache_clear()


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@contextlib.asynccontextmanager
async def serve_http(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` over real HTTP on loopback (Granian, in this event loop); yield its URL."""
    port = port or free_port()
    server = Server(
        app, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if _answers(port) or task.done():
            break
        await asyncio.sleep(0.025)
    if task.done():
        await task
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()  # type: ignore[no-untyped-call]
        await asyncio.wait_for(task, timeout=10)


def standalone_clerk(
    folder: Path,
    *,
    webhooks: WebhookSender | None = None,
    clock: Callable[[], float] = time.time,
    default_party: str = TEST_FRONTEND,
) -> LocalClerk:
    """An emulator on its own data folder, made as `python -m clerk_fullstack.local_clerk`
    makes it (no app settings involved)."""
    config = emulator_config(folder, "http://127.0.0.1:4010")
    seed_signing_key(folder)
    return LocalClerk(
        store=UserStore(folder, clock=clock),
        signing_key=load_signing_key(folder),
        issuer=config.issuer,
        secret_key=config.secret_key,
        webhooks=webhooks,
        default_party=default_party,
    )


def standalone_emulator(
    clerk: LocalClerk, origin_allowed: OriginPolicy = loopback_origins
) -> Starlette:
    """The emulator's ASGI app for `clerk`, with the standalone Origin rule by default."""
    return build_emulator(clerk, origin_allowed, cors=True)


@contextlib.asynccontextmanager
async def asgi_client(app: ASGIApp, peer: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client calling `app` in process, as if from `peer`."""
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
