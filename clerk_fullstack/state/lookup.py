"""Verify a session token, then read the user's color: the one protected read the UI makes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from clerk_fullstack.auth.session import verify_session_token
from clerk_fullstack.core.errors import (
    DatabaseUnavailableError,
    KeysUnavailableError,
    TokenErrorReason,
    TokenVerificationError,
)
from clerk_fullstack.users import missing as missing_users
from clerk_fullstack.users import service as users
from clerk_fullstack.users.models import FavoriteColor

logger = logging.getLogger(__name__)

# A cached token can be stale by the time it is checked (it lives 60 s); one retry with a token
# fetched past Clerk's cache fixes that, and also a clock that is a little off.
_STALE_TOKEN_REASONS = frozenset(
    {
        TokenErrorReason.TOKEN_EXPIRED.value,
        TokenErrorReason.TOKEN_NOT_ACTIVE_YET.value,
        TokenErrorReason.TOKEN_IAT_IN_THE_FUTURE.value,
    }
)


class ColorStatus(StrEnum):
    """Where the favorite-color page stands."""

    IDLE = "idle"
    LOADING = "loading"
    LOADED = "loaded"
    NOT_SYNCED = "not-synced"
    """Signed in, but the `user.created` webhook has not reached us yet."""
    INVALID_SESSION = "invalid-session"
    UNREACHABLE = "unreachable"
    """The database, Clerk's signing keys or Clerk itself could not be reached."""


@dataclass(frozen=True, slots=True)
class ColorLookup:
    """The outcome of one lookup; `user_id` comes only from verified claims."""

    status: ColorStatus
    color: FavoriteColor | None = None
    user_id: str | None = None
    reason: str | None = None
    """The error's reason code, for logs and retry decisions."""

    @property
    def stale_token(self) -> bool:
        """Whether a token fetched past Clerk's cache could succeed where this one failed."""
        return self.status is ColorStatus.INVALID_SESSION and self.reason in _STALE_TOKEN_REASONS


async def look_up_color(token: str | None) -> ColorLookup:
    """Verify `token` with the backend's keys, then read the color of the user it names."""
    try:
        claims = await verify_session_token(token)
    except KeysUnavailableError as exc:
        return ColorLookup(ColorStatus.UNREACHABLE, reason=exc.reason)
    except TokenVerificationError as exc:
        return ColorLookup(ColorStatus.INVALID_SESSION, reason=exc.reason)
    try:
        color = await users.get_favorite_color(clerk_user_id=claims.user_id)
        if color is None:
            # Signed up, but the webhook has not arrived: Clerk is asked (see `missing_users`).
            color = (await missing_users.fetch_color(claims.user_id)).value
    except DatabaseUnavailableError as exc:
        logger.warning("Favorite color lookup failed: %s", exc.message)
        return ColorLookup(ColorStatus.UNREACHABLE, user_id=claims.user_id, reason=exc.reason)
    if color is None:
        return ColorLookup(ColorStatus.NOT_SYNCED, user_id=claims.user_id)
    return ColorLookup(ColorStatus.LOADED, color=color, user_id=claims.user_id)
