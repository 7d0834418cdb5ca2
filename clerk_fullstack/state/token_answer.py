"""Read the token result a browser sends with an event: whatever it is, keep only a sane token."""

from __future__ import annotations

from collections.abc import Mapping

from clerk_fullstack.auth.tokens import MAX_TOKEN_CHARS

MAX_ERROR_CHARS = 200
"""How much of the browser's error message is kept for the logs."""

NO_RESULT = "The browser sent no token result"
MALFORMED_ERROR = "The browser sent a malformed token error"


def read_token_result(result: object) -> tuple[str | None, str | None]:
    """The token and error from the browser's `TokenResult`, ignoring anything malformed.

    An oversized token counts as no token, so it is rejected before any parsing or key lookup.
    """
    if not isinstance(result, Mapping):
        return None, NO_RESULT
    token, error = result.get("token"), result.get("error")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        token = None
    if not error:
        return token, None
    # Never stringify a client's nested object: its size and depth are the client's choice.
    return token, error[:MAX_ERROR_CHARS] if isinstance(error, str) else MALFORMED_ERROR
