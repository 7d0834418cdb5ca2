"""Factories for the local Clerk stand-in's tests: local-mode settings, an app on a real port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from granian.constants import Interfaces
from granian.server.embed import Server
from starlette.types import ASGIApp

from clerk_fullstack.startup import reset_caches
from tests.helpers.mongo import free_port
from tests.helpers.tokens import TEST_FRONTEND

CLERK_VARIABLES = (
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SECRET",
    "CLERK_JWT_KEY",
    "CLERK_API_URL",
)


def use_local_mode(
    env: pytest.MonkeyPatch, data_dir: Path, *, backend_port: int | None = None
) -> None:
    """Settings as on a machine with no Clerk keys: `auto` mode picks the stand-in."""
    for variable in CLERK_VARIABLES:
        env.delenv(variable, raising=False)
    env.setenv("CLERK_MODE", "auto")
    env.setenv("DATA_DIR", str(data_dir))
    env.setenv("FRONTEND", TEST_FRONTEND)
    if backend_port is not None:
        env.setenv("REFLEX_BACKEND_PORT", str(backend_port))
    reset_caches()


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
