"""The favorite-color state: loads the color only after the backend verifies a fresh token."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import cast

import reflex as rx
from reflex.event import EventSpec

from clerk_fullstack.clerk import request_session_token
from clerk_fullstack.errors import TokenErrorReason
from clerk_fullstack.state.lookup import ColorLookup, ColorStatus, look_up_color

logger = logging.getLogger(__name__)

SYNC_RETRY_DELAYS: tuple[int, ...] = (1, 2, 4, 8)
"""Seconds between checks while a brand-new user's webhook is on its way (15 s in all)."""

# A cached token can be stale by the time it is checked (it lives 60 s); one retry with a token
# fetched past Clerk's cache fixes that, and also a clock that is a little off.
_STALE_TOKEN_REASONS = frozenset(
    {
        TokenErrorReason.TOKEN_EXPIRED.value,
        TokenErrorReason.TOKEN_NOT_ACTIVE_YET.value,
        TokenErrorReason.TOKEN_IAT_IN_THE_FUTURE.value,
    }
)


def read_token_result(result: object) -> tuple[str | None, str | None]:
    """The token and error from the browser's answer, ignoring anything malformed."""
    if not isinstance(result, Mapping):
        return None, "The browser sent no token result"
    token, error = result.get("token"), result.get("error")
    return (
        token if isinstance(token, str) and token else None,
        str(error) if error else None,
    )


class FavoriteColorState(rx.State):
    """The signed-in user's favorite color and where loading it stands."""

    status: str = ColorStatus.IDLE.value
    """A `ColorStatus` value; the page shows one message per status."""

    color: str = ""
    """The loaded color (`RED`, `GREEN`, `BLUE`), or empty."""

    sync_attempt: int = 0
    """How many times the page has re-checked for a user whose webhook has not arrived."""

    retry_in: int = 0
    """Seconds until the next re-check, or 0 when none is scheduled."""

    _user_id: str | None = None
    """The Clerk user the color belongs to, from verified claims only (server-side)."""

    _awaiting_token: bool = False
    """Whether a token was requested and not received yet; any other token is dropped."""

    _retried_stale_token: bool = False
    """Whether this load already asked for a token past Clerk's cache."""

    _generation: int = 0
    """Bumped on every (re)load and sign-out, so a pending re-check knows it is stale."""

    @rx.var
    def sync_attempts_left(self) -> int:
        """How many re-checks remain for a user who is not synced yet."""
        return max(len(SYNC_RETRY_DELAYS) - self.sync_attempt, 0)

    @rx.event
    def load(self) -> EventSpec:
        """Forget what was shown, then ask the browser for a fresh token to verify."""
        return self._load()

    @rx.event
    def load_if_idle(self) -> EventSpec | None:
        """Load unless a load has started or finished: a tab whose state came back empty after
        a reconnect (e.g. its worker died) shows the idle page, and this loads it again."""
        if self.status != ColorStatus.IDLE.value:
            return None
        return self._load()

    @rx.event
    def forget(self) -> None:
        """Drop the color and the user id (on sign-out, or when the page is left)."""
        self._start_over()
        self.status = ColorStatus.IDLE.value

    @rx.event
    async def receive_token(self, result: dict[str, str | None]) -> EventSpec | None:
        """Verify the token the browser sent, then load the color of the user it names."""
        if not self._awaiting_token:
            return None
        self._awaiting_token = False
        token, error = read_token_result(result)
        if error is not None:
            logger.info("The browser could not get a session token: %.200s", error)
            self._show(ColorLookup(ColorStatus.UNREACHABLE, reason="token-unavailable"))
            return None
        lookup = await look_up_color(token)
        if (
            lookup.status is ColorStatus.INVALID_SESSION
            and lookup.reason in _STALE_TOKEN_REASONS
            and not self._retried_stale_token
        ):
            self._retried_stale_token = True
            return self._request_token(skip_cache=True)
        self._show(lookup)
        if lookup.status is ColorStatus.NOT_SYNCED and self.sync_attempt < len(SYNC_RETRY_DELAYS):
            self.retry_in = SYNC_RETRY_DELAYS[self.sync_attempt]
            self.sync_attempt += 1
            # mypy cannot type Reflex's event decorators; at runtime this builds an EventSpec.
            recheck = cast("Callable[[int, int], EventSpec]", FavoriteColorState.recheck_later)
            return recheck(self._generation, self.retry_in)
        return None

    @rx.event(background=True)
    async def recheck_later(self, generation: int, delay: int) -> AsyncIterator[EventSpec]:
        """Wait, then check again for a user whose webhook had not arrived (no lock held)."""
        await asyncio.sleep(delay)
        async with self:
            if self._generation != generation or self.status != ColorStatus.NOT_SYNCED:
                return
            self.retry_in = 0
            event = self._request_token()
        yield event

    def _load(self) -> EventSpec:
        self._start_over()
        self.status = ColorStatus.LOADING.value
        return self._request_token()

    def _start_over(self) -> None:
        self._generation += 1
        self._awaiting_token = False
        self._retried_stale_token = False
        self._user_id = None
        self.color = ""
        self.sync_attempt = 0
        self.retry_in = 0

    def _request_token(self, *, skip_cache: bool = False) -> EventSpec:
        self._awaiting_token = True
        return _token_request(skip_cache)

    def _show(self, lookup: ColorLookup) -> None:
        self._user_id = lookup.user_id
        self.status = lookup.status.value
        self.color = lookup.color.value if lookup.color is not None else ""
        self.retry_in = 0


@functools.cache
def _token_request(skip_cache: bool) -> EventSpec:
    """The token request event, built once: an `EventSpec` is immutable, and building one
    (script var, callback formatting, signature checks) was ~9% of a color load's CPU."""
    return request_session_token(FavoriteColorState.receive_token, skip_cache=skip_cache)
