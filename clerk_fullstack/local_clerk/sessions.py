"""How long the emulator's sessions live and how many it keeps: pure rules over session records.

Sessions expire after a week without use, a user keeps at most a handful, and use is recorded
at a coarse grain, so the store file stays small and is not rewritten on every token fetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

IDLE_EXPIRY_SECONDS = 7 * 24 * 3600
"""A session unused for a week is signed out (Clerk's default inactivity timeout is similar)."""
MAX_SESSIONS_PER_USER = 10
"""Signing in an eleventh time ends the least recently used session."""
ACTIVITY_GRAIN_SECONDS = 3600
"""Use is recorded at most once an hour per session: expiry needs no finer clock."""


class SessionRecord(Protocol):
    """The fields these rules read."""

    user_id: str
    created_at: int
    last_active_at: int | None


def last_used(session: SessionRecord) -> int:
    """When the session was last used (seconds), or created if never since."""
    return session.last_active_at or session.created_at


def is_expired(session: SessionRecord, now: float) -> bool:
    """Whether the session has been idle longer than the expiry."""
    return now - last_used(session) > IDLE_EXPIRY_SECONDS


def needs_touch(session: SessionRecord, now: float) -> bool:
    """Whether recording this use moves `last_active_at` by at least the grain."""
    return now - last_used(session) >= ACTIVITY_GRAIN_SECONDS


def sessions_to_drop(
    sessions: Mapping[str, SessionRecord], now: float, *, user_id: str | None = None
) -> set[str]:
    """Ids of expired sessions, plus `user_id`'s least recently used ones beyond the cap."""
    drop = {sid for sid, session in sessions.items() if is_expired(session, now)}
    if user_id is not None:
        mine = sorted(
            (sid for sid, s in sessions.items() if s.user_id == user_id and sid not in drop),
            key=lambda sid: last_used(sessions[sid]),
            reverse=True,
        )
        drop.update(mine[MAX_SESSIONS_PER_USER:])
    return drop
