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

__all__ = ["SYNC_RETRY_DELAYS", "FavoriteColorState", "read_token_result"]

logger = logging.getLogger(__name__)


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

    token_request: str = ""
    """The id of the latest token request: the page's `ClerkTokenRequest` answers each new id
    once, through `receive_token`. It travels in the delta the handler sends anyway."""

    token_skip_cache: bool = False
    """Whether that request asks for a token past Clerk's cache (the last one was stale)."""

    _user_id: str | None = None
    """The Clerk user the color belongs to, from verified claims only (server-side)."""

    _awaiting_token: bool = False
    """Whether a token was requested and not received yet; any other token is dropped."""

    _retried_stale_token: bool = False
    """Whether this load already asked for a token past Clerk's cache."""

    _socket: str = ""
    """The socket (Socket.IO session id) this load is for: what the tab shows belongs to the
    socket that asked, and another socket (a reconnect, or a client that took over the tab's
    Reflex token) sees nothing until it verifies a token of its own (`_forget_other_socket`)."""

    # Wall-clock times, not monotonic ones: a persistent state manager may hand the state to
    # another worker process, and the schedule must mean the same there.
    _recheck_due_at: float = 0.0
    """When the next re-check is due, or 0; only `receive_token` sets it, never a payload."""

    _recheck_waiter_until: float = 0.0
    """When the one waiting `recheck_later` wakes next, or 0 when none waits."""

    @rx.var
    def sync_attempts_left(self) -> int:
        """How many re-checks remain for a user who is not synced yet."""
        return max(len(SYNC_RETRY_DELAYS) - self.sync_attempt, 0)

    @rx.event
    def load(self) -> None:
        """Forget what was shown, then ask the browser for a fresh token to verify."""
        self._load()

    @rx.event
    def load_if_idle(self) -> None:
        """Load unless a load has started or finished: a tab whose state came back empty after
        a reconnect (e.g. its worker died) shows the idle page, and this loads it again."""
        if self.status == ColorStatus.IDLE.value:
            self._load()

    @rx.event
    def forget(self) -> None:
        """Drop the color and the user id (on sign-out, or when the page is left)."""
        self._start_over()
        self.status = ColorStatus.IDLE.value

    def _forget_other_socket(self, socket: str) -> None:
        """Start over, idle, if the tab last loaded for another socket than `socket`.

        Called for every event before its handler (`state/socket_binding.py`): Reflex's hydrate
        on a new socket would otherwise send it the color verified for the old one. Private, so
        that Reflex does not offer it to clients as an event handler.
        """
        if self._socket == socket or (not self._socket and self.status == ColorStatus.IDLE):
            return
        self._start_over()
        self.status = ColorStatus.IDLE.value

    @rx.event
    async def receive_token(self, result: dict[str, str | None]) -> EventSpec | None:
        """Verify the token the browser sent, then load the color of the user it names."""
        # First, before reading the payload: only the answer to our own request costs work.
        if not self._awaiting_token:
            return None
        self._awaiting_token = False
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

    @rx.event(background=True)
    async def recheck_later(self) -> None:
        """Wait for the re-check `receive_token` scheduled, then ask for a token (one waiter).

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

    def _load(self) -> None:
        self._start_over()
        self.status = ColorStatus.LOADING.value
        self._request_token()

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
        """Ask the browser for a token: a new id in the delta, answered by `ClerkTokenRequest`."""
        self._awaiting_token = True
        self._socket = self.router.session.session_id
        self.token_request = secrets.token_hex(8)
        self.token_skip_cache = skip_cache

    def _show(self, lookup: ColorLookup) -> None:
        self._user_id = lookup.user_id
        self.status = lookup.status.value
        self.color = lookup.color.value if lookup.color is not None else ""
        self.retry_in = 0
