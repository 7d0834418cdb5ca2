"""The favorite-color state: loads the color only after the backend verifies a fresh token."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import cast

import reflex as rx
from reflex.event import EventSpec

from clerk_fullstack.state.lookup import ColorLookup, ColorStatus, look_up_color
from clerk_fullstack.state.recheck import (
    SYNC_RETRY_DELAYS,
    retry_delay,
    seconds_until,
    waiter_alive,
)
from clerk_fullstack.state.token_answer import read_token_result

__all__ = ["FIRST_LOAD", "FavoriteColorState"]

logger = logging.getLogger(__name__)

FIRST_LOAD = "first"
"""`load_request` of a tab that has never loaded: its first socket loads it."""


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

    load_request: str = FIRST_LOAD
    """Not empty while the tab is idle and wants a load: the page's `ClerkTokenSender` sends one
    `load`, with a fresh token, per socket and id. Each start-over gives a new id."""

    token_request: str = ""
    """The id of the server's latest token request (a re-check that came due, or a retry past
    Clerk's cache): `ClerkTokenSender` answers each new id once, through `recheck`. It travels
    in the delta the server sends anyway."""

    token_skip_cache: bool = False
    """Whether that request asks for a token past Clerk's cache (the last one was stale)."""

    _user_id: str | None = None
    """The Clerk user the color belongs to, from verified claims only (server-side)."""

    _awaiting_token: bool = False
    """Whether a token was requested and not received yet; any other `recheck` is dropped."""

    _retried_stale_token: bool = False
    """Whether this load already asked for a token past Clerk's cache."""

    _socket: str = ""
    """The socket (Socket.IO session id) this load is for: what the tab shows belongs to the
    socket that loaded it, and another socket (a reconnect, or a client that took over the tab's
    Reflex token) sees nothing until it verifies a token of its own (`_forget_other_socket`)."""

    # Wall-clock times, not monotonic ones: a persistent state manager may hand the state to
    # another worker process, and the schedule must mean the same there.
    _recheck_due_at: float = 0.0
    """When the next re-check is due, or 0; set only after a verified token, never a payload."""

    _recheck_waiter_until: float = 0.0
    """When the one waiting `recheck_later` wakes next, or 0 when none waits."""

    @rx.var
    def sync_attempts_left(self) -> int:
        """How many re-checks remain for a user who is not synced yet."""
        return max(len(SYNC_RETRY_DELAYS) - self.sync_attempt, 0)

    @rx.event
    async def load(self, result: dict[str, str | None]) -> EventSpec | None:
        """Forget what was shown, then verify the token sent with the load and show the color
        of the user it names: one verification per event, as `GET /user/favoriteColor` does."""
        self._start_over()
        self.status = ColorStatus.LOADING.value
        self.load_request = ""
        self._socket = self.router.session.session_id
        return await self._check(result)

    @rx.event
    async def recheck(self, result: dict[str, str | None]) -> EventSpec | None:
        """Verify the token answering the server's request, then show the color again."""
        # First, before reading the payload: only the answer to our own request costs work.
        if not self._awaiting_token:
            return None
        self._awaiting_token = False
        return await self._check(result)

    @rx.event
    def reload(self) -> None:
        """Start over ("Refresh", "Try again"): the page then loads with a fresh token."""
        self._go_idle()

    @rx.event
    def forget(self) -> None:
        """Drop the color and the user id (on sign-out, or when the page is left)."""
        self._go_idle()

    def _forget_other_socket(self, socket: str) -> None:
        """Start over, idle, if the tab last loaded for another socket than `socket`.

        Called for every event before its handler (`state/socket_binding.py`): Reflex's hydrate
        on a new socket would otherwise send it the color verified for the old one. Private, so
        that Reflex does not offer it to clients as an event handler.
        """
        if self._socket == socket or (not self._socket and self.status == ColorStatus.IDLE):
            return
        self._go_idle()

    @rx.event(background=True)
    async def recheck_later(self) -> None:
        """Wait for the re-check a verified token scheduled, then ask for a token (one waiter).

        It takes nothing from the client: a call finding nothing due, or another one waiting,
        returns at once.
        """
        async with self:
            if waiter_alive(self._recheck_waiter_until, time.time()):
                return
            wait = self._next_recheck_step()
        while wait is not None:
            await asyncio.sleep(wait)
            async with self:
                wait = self._next_recheck_step()

    async def _check(self, result: object) -> EventSpec | None:
        """Read the browser's `TokenResult` (bounded first), verify it, show the outcome."""
        token, error = read_token_result(result)
        if error is not None:
            logger.info("The browser could not get a session token: %s", error)
            self._show(ColorLookup(ColorStatus.UNREACHABLE, reason="token-unavailable"))
            return None
        lookup = await look_up_color(token)
        if lookup.stale_token and not self._retried_stale_token:
            self._retried_stale_token = True
            self._request_token(skip_cache=True)
            return None
        self._show(lookup)
        if lookup.status is ColorStatus.NOT_SYNCED:
            return self._schedule_recheck()
        return None

    def _schedule_recheck(self) -> EventSpec | None:
        delay = retry_delay(self.sync_attempt)
        if delay is None:
            return None
        self.sync_attempt += 1
        self.retry_in = delay
        self._recheck_due_at = time.time() + delay
        # mypy cannot type Reflex's event decorators; at runtime this builds an EventSpec.
        recheck = cast("Callable[[], EventSpec]", FavoriteColorState.recheck_later)
        return recheck()

    def _next_recheck_step(self) -> float | None:
        """Seconds still to wait; once due, the token request is made and None returned (also
        when nothing is due)."""
        now = time.time()
        if self.status != ColorStatus.NOT_SYNCED or not self._recheck_due_at:
            self._recheck_waiter_until = 0.0
            return None
        wait = seconds_until(self._recheck_due_at, now)
        if wait > 0:
            # A reload may have moved the due time: the waiter follows it, no twin is started.
            self._recheck_waiter_until = now + wait
            return wait
        self._recheck_waiter_until = 0.0
        self._recheck_due_at = 0.0
        self.retry_in = 0
        self._request_token()
        return None

    def _go_idle(self) -> None:
        self._start_over()
        self.status = ColorStatus.IDLE.value
        self.load_request = secrets.token_hex(8)

    def _start_over(self) -> None:
        self._socket = ""
        self._awaiting_token = False
        self._retried_stale_token = False
        self._recheck_due_at = 0.0
        self._user_id = None
        self.color = ""
        self.sync_attempt = 0
        self.retry_in = 0

    def _request_token(self, *, skip_cache: bool = False) -> None:
        """Ask the browser for a token: a new id in the delta, answered through `recheck`."""
        self._awaiting_token = True
        self._socket = self.router.session.session_id
        self.token_request = secrets.token_hex(8)
        self.token_skip_cache = skip_cache

    def _show(self, lookup: ColorLookup) -> None:
        self._user_id = lookup.user_id
        self.status = lookup.status.value
        self.color = lookup.color.value if lookup.color is not None else ""
        self.retry_in = 0
