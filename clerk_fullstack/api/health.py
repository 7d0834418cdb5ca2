"""GET /api/health: whether the app can serve, for load balancers and monitors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack import db


async def health(request: Request) -> JSONResponse:
    """GET /api/health: whether the database answers."""
    reachable = await db.ping()
    return JSONResponse(
        {"status": "ok" if reachable else "degraded", "database": reachable},
        status_code=200 if reachable else 503,
    )
