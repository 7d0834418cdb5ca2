"""GET /api/health: whether the app can serve, for load balancers and monitors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack.core import db
from clerk_fullstack.core.errors import DatabaseUnavailableError
from clerk_fullstack.users.store import UNAVAILABLE_MESSAGE


async def health(request: Request) -> JSONResponse:
    """GET /api/health: 200 once the database is connected and answers; else the 503 app error
    every database-backed route gives (`database-unavailable`, with its fixed message)."""
    if not await db.ping():
        raise DatabaseUnavailableError(UNAVAILABLE_MESSAGE)
    return JSONResponse({"status": "ok", "database": True})
