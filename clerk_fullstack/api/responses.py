"""JSON response shapes shared by every route, and the one place errors map to HTTP statuses."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from clerk_fullstack.core.errors import AppError, TokenVerificationError

logger = logging.getLogger(__name__)

PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
"""For per-user answers and errors: no cache keeps them, no browser sniffs them as HTML."""


def message(
    text: str,
    *,
    success: bool = True,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The tutorial's `{"success": …, "message": …}` body."""
    return JSONResponse(
        {"success": success, "message": text}, status_code=status_code, headers=headers
    )


async def app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render any `AppError` as JSON with its status and reason code."""
    assert isinstance(exc, AppError)
    if not isinstance(exc, TokenVerificationError):  # the verifier logs those itself
        logger.info(
            "%s %s rejected with %s: %s",
            request.method,
            request.url.path,
            exc.status_code,
            exc.reason,
        )
    return JSONResponse(
        {"success": False, "message": exc.message, "reason": exc.reason},
        status_code=exc.status_code,
        headers={**PRIVATE_HEADERS, **exc.headers},
    )
