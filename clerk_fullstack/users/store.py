"""The users collections with an explicit write concern, and driver failures as app errors.

Webhook writes ask for `w="majority", j=True`: a 2xx means the user is journaled on a majority
(on a standalone server, `majority` is that one server). Any write-concern error is a 503, so
Svix retries; the retry is idempotent. So is a step that outlasts MONGO_TIMEOUT_MS
(`database_call`): its outcome is unknown, and the sender's retry settles it. A document the
database refuses (a validator, an unencodable string) is a 422 for that event only. Until this
process has connected to the database (`db.ready()`, see `db.py`), every call is a 503 with the
same fixed message.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import bson
from bson.errors import BSONError
from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError, WriteError

from clerk_fullstack.core import db
from clerk_fullstack.core.errors import DatabaseUnavailableError, UserNotStorableError, clip
from clerk_fullstack.core.settings import Settings
from clerk_fullstack.users.models import DOCUMENT_MODELS, DeletedUser, User

DUPLICATE_KEY = 11000
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""MongoDB's BSON document limit."""
WRITE_CONCERN = WriteConcern(w="majority", j=True)
UNAVAILABLE_MESSAGE = "Database unavailable, try again later."
"""The fixed 503 text: the driver's exception is logged, never sent to the caller."""

logger = logging.getLogger(__name__)


async def connect(settings: Settings) -> AsyncMongoClient[dict[str, Any]]:
    """Open the database with the users' models bound, for a command (the sync) run on its own."""
    return await db.connect(settings, DOCUMENT_MODELS)


def require_database() -> None:
    """Raise the 503 app error unless this process has connected and bound the models."""
    if not db.ready():
        raise DatabaseUnavailableError(UNAVAILABLE_MESSAGE)


def users() -> AsyncCollection[dict[str, Any]]:
    """The `users` collection, writing with `WRITE_CONCERN` (a 503 until connected)."""
    require_database()
    return User.get_pymongo_collection().with_options(write_concern=WRITE_CONCERN)


def tombstones() -> AsyncCollection[dict[str, Any]]:
    """The `deleted_users` collection, writing with `WRITE_CONCERN` (a 503 until connected)."""
    require_database()
    return DeletedUser.get_pymongo_collection().with_options(write_concern=WRITE_CONCERN)


def database_unavailable(exc: BaseException) -> DatabaseUnavailableError:
    """The app error (HTTP 503, so senders retry) for a driver failure; its class is logged."""
    logger.warning("Database unavailable: %s", type(exc).__name__)
    error = DatabaseUnavailableError(UNAVAILABLE_MESSAGE)
    error.__cause__ = exc
    return error


def not_storable(detail: str) -> UserNotStorableError:
    """The app error (HTTP 422: this event fails alone) for a document the database refuses."""
    return UserNotStorableError(f"The database refused this user: {clip(detail, 120)}")


def check_storable(document: Mapping[str, Any]) -> None:
    """Raise `UserNotStorableError` unless `document` encodes to BSON within the size limit."""
    try:
        size = len(bson.encode(document))
    except (BSONError, ValueError, TypeError, OverflowError) as exc:
        # A lone UTF-16 surrogate raises UnicodeEncodeError here, not a driver error.
        raise not_storable(str(exc)) from None
    if size > MAX_DOCUMENT_BYTES:
        raise not_storable(f"document of {size} bytes is over the BSON limit")


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Duplicate keys pass through; a refused document is a 422; other driver failures a 503."""
    try:
        yield
    except DuplicateKeyError:
        raise
    except WriteError as exc:
        raise not_storable(str(exc.details.get("errmsg", exc) if exc.details else exc)) from exc
    except PyMongoError as exc:
        raise database_unavailable(exc) from exc


@contextlib.asynccontextmanager
async def database_call() -> AsyncIterator[None]:
    """One step against the database: at most MONGO_TIMEOUT_MS (`db.step_deadline`), with its
    failures as app errors (`database_errors`); a step that runs out of time is a 503."""
    try:
        async with db.step_deadline():
            with database_errors():
                yield
    except TimeoutError as exc:
        raise database_unavailable(exc) from exc
