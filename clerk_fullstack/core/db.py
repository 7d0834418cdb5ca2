"""The MongoDB client and Beanie setup, run as a Reflex lifespan task.

The backend serves without the database. The lifespan connects in a background task, and the app
serves once the first attempt has succeeded or had its time; each failed attempt is retried after
a capped exponential back-off. Until the models are bound and their indexes exist (`ready()`),
every database call is a 503 (`store`), so Svix retries its webhooks and /api/health says 503.
Once connected, pymongo rides out later outages itself. A worker that starts during an outage
therefore boots, and gunicorn does not halt.

Each database step waits at most MONGO_TIMEOUT_MS (`step_deadline`, applied by
`store.database_call` and here). The deadline is asyncio's, not the driver's `timeoutMS`: under
`timeoutMS` pymongo sends each command through `asyncio.wait_for` with a timeout, which on Python
3.11 is a task of its own per send; without it the send is a plain call. An expired deadline
cancels the call, and pymongo closes the connection it was on, as it does when its own timeout
expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient

from clerk_fullstack.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

Models = Sequence[type[Document]]
"""The Beanie documents to bind; the users wing owns them (`users.models.DOCUMENT_MODELS`)."""

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0
"""The back-off between connection attempts: 0.5, 1, 2, 4, 8, then every 10 s."""
FIRST_ATTEMPT_MAX_SECONDS = 10.0
"""The longest a worker's start waits for its first attempt (gunicorn's timeout is 30 s)."""

_client: AsyncMongoClient[dict[str, Any]] | None = None
_ready = False
_step_seconds: float = Settings.model_fields["mongo_timeout_ms"].default / 1000


def step_deadline() -> asyncio.Timeout:
    """The deadline of one database step: MONGO_TIMEOUT_MS of the last models bound."""
    return asyncio.timeout(_step_seconds)


def ready() -> bool:
    """Whether this process has bound the models and created their indexes."""
    return _ready


def retry_delays(
    first: float = FIRST_RETRY_SECONDS, cap: float = MAX_RETRY_SECONDS
) -> Iterator[float]:
    """The waits between connection attempts: doubling from `first`, never above `cap`."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def resolve_mongo_uri(settings: Settings) -> str:
    """MONGO_URI, or the URI of the embedded server (started on first use)."""
    if settings.mongo_uri:
        return settings.mongo_uri
    # Imported here so a deployment with MONGO_URI never loads SecantusDB.
    from clerk_fullstack.core.embedded_mongo import ensure_embedded_server

    uri = ensure_embedded_server(settings.data_dir / "mongo")
    logger.info("MONGO_URI is not set: using the embedded SecantusDB at %s", uri)
    return uri


def new_client(settings: Settings, uri: str) -> AsyncMongoClient[dict[str, Any]]:
    """A client for `uri`; it connects lazily, and finding or opening a connection to a server
    waits at most MONGO_TIMEOUT_MS (each call's own deadline is `step_deadline`)."""
    return AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=settings.mongo_timeout_ms,
        connectTimeoutMS=settings.mongo_timeout_ms,
        tz_aware=True,
    )


async def bind_models(
    client: AsyncMongoClient[dict[str, Any]], settings: Settings, models: Models
) -> None:
    """Register the Beanie models on the database and create their indexes; then `ready()`."""
    global _ready, _step_seconds
    _step_seconds = settings.mongo_timeout_ms / 1000
    async with step_deadline():
        await init_beanie(database=client[settings.mongo_db], document_models=list(models))
    _ready = True


async def connect(
    settings: Settings, models: Models, uri: str | None = None
) -> AsyncMongoClient[dict[str, Any]]:
    """One attempt: open a client and bind the models (for commands that need the database)."""
    client = new_client(settings, uri or resolve_mongo_uri(settings))
    try:
        await bind_models(client, settings, models)
    except BaseException:
        await client.close()
        raise
    return client


async def connect_until_ready(settings: Settings, models: Models) -> None:
    """Open the client and bind the models, retrying each failure after the next back-off."""
    global _client
    for delay in retry_delays():
        try:
            if _client is None:
                # The embedded server is started by a blocking call: off the event loop.
                uri = await asyncio.to_thread(resolve_mongo_uri, settings)
                _client = new_client(settings, uri)
            await bind_models(_client, settings, models)
        except Exception as exc:  # noqa: BLE001 - any failure is retried; none stops the server
            logger.warning(
                "The database is not ready (%s: %s); next attempt in %.1f s",
                type(exc).__name__,
                str(exc)[:200],
                delay,
            )
            await asyncio.sleep(delay)
        else:
            logger.info("Connected to the database")
            return


@contextlib.asynccontextmanager
async def lifespan(models: Models) -> AsyncIterator[asyncio.Task[None]]:
    """Connect in the background while the app serves; stop trying and close on shutdown.

    The first attempt gets up to MONGO_TIMEOUT_MS (at most `FIRST_ATTEMPT_MAX_SECONDS`) before
    the app serves, so a start with the database up answers no 503s; a start during an outage
    serves after that wait. It yields the connecting task, for callers that wait until `ready()`.
    """
    global _client, _ready
    settings = get_settings()
    connecting = asyncio.create_task(connect_until_ready(settings, models))
    try:
        first_wait = min(settings.mongo_timeout_ms / 1000, FIRST_ATTEMPT_MAX_SECONDS)
        await asyncio.wait({connecting}, timeout=first_wait)
        yield connecting
    finally:
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
        _ready = False
        if _client is not None:
            await _client.close()
            _client = None


async def ping() -> bool:
    """Whether the database can serve right now: `ready()`, and the server answers."""
    if _client is None or not _ready:
        return False
    try:
        async with step_deadline():
            await _client.admin.command("ping")
    except Exception:  # noqa: BLE001 - any failure (a timeout too) means "not reachable"
        return False
    return True
