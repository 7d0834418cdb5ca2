"""The MongoDB client and Beanie setup, run as a Reflex lifespan task."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient

from clerk_fullstack.models import DOCUMENT_MODELS
from clerk_fullstack.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_client: AsyncMongoClient[dict[str, Any]] | None = None


def resolve_mongo_uri(settings: Settings) -> str:
    """MONGO_URI, or the URI of the embedded server (started on first use)."""
    if settings.mongo_uri:
        return settings.mongo_uri
    # Imported here so a deployment with MONGO_URI never loads SecantusDB.
    from clerk_fullstack.embedded_mongo import ensure_embedded_server

    uri = ensure_embedded_server(settings.data_dir / "mongo")
    logger.info("MONGO_URI is not set: using the embedded SecantusDB at %s", uri)
    return uri


async def connect(settings: Settings, uri: str | None = None) -> AsyncMongoClient[dict[str, Any]]:
    """Open a client, register the Beanie models and create their indexes."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        uri or resolve_mongo_uri(settings),
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        timeoutMS=settings.mongo_timeout_ms,
        tz_aware=True,
    )
    await init_beanie(database=client[settings.mongo_db], document_models=DOCUMENT_MODELS)
    return client


@contextlib.asynccontextmanager
async def lifespan() -> AsyncIterator[None]:
    """Connect before the app serves, close on shutdown."""
    global _client
    _client = await connect(get_settings())
    try:
        yield
    finally:
        await _client.close()
        _client = None


async def ping() -> bool:
    """Whether the database answers right now."""
    if _client is None:
        return False
    try:
        await _client.admin.command("ping")
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    return True
