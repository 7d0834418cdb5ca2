"""Emulator sessions expire after a week idle, stay few per user, and keep the store file small."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from clerk_fullstack.local_clerk.errors import NotSignedInError
from clerk_fullstack.local_clerk.instance import Caller, LocalClerk
from clerk_fullstack.local_clerk.sessions import (
    ACTIVITY_GRAIN_SECONDS,
    IDLE_EXPIRY_SECONDS,
    MAX_SESSIONS_PER_USER,
    is_expired,
    last_used,
    needs_touch,
    sessions_to_drop,
)
from tests.helpers.local_clerk import standalone_clerk

pytestmark = pytest.mark.unit

DAY = 24 * 3600
START = 1_800_000_000.0
PASSWORD = "correct horse battery"


@dataclass
class Record:
    """A session as the rules see it."""

    user_id: str
    created_at: int
    last_active_at: int | None = None


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


# -- the pure rules ------------------------------------------------------------------------


def test_last_use_is_the_last_activity_or_else_the_start() -> None:
    assert last_used(Record("u", 100)) == 100
    assert last_used(Record("u", 100, 500)) == 500


def test_a_session_expires_after_a_week_without_use() -> None:
    session = Record("u", int(START))
    assert not is_expired(session, START + IDLE_EXPIRY_SECONDS)
    assert is_expired(session, START + IDLE_EXPIRY_SECONDS + 1)
    session.last_active_at = int(START + 5 * DAY)
    assert not is_expired(session, START + IDLE_EXPIRY_SECONDS + 1)


def test_use_is_recorded_at_most_once_per_grain() -> None:
    session = Record("u", int(START))
    assert not needs_touch(session, START + ACTIVITY_GRAIN_SECONDS - 1)
    assert needs_touch(session, START + ACTIVITY_GRAIN_SECONDS)


def test_drop_expired_sessions_and_the_users_least_recently_used_past_the_cap() -> None:
    sessions = {f"s{n}": Record("ada", int(START) + n, int(START) + n) for n in range(12)}
    sessions["old"] = Record("bob", int(START - IDLE_EXPIRY_SECONDS - 10))
    sessions["bob"] = Record("bob", int(START))
    assert sessions_to_drop(sessions, START + 20) == {"old"}
    assert sessions_to_drop(sessions, START + 20, user_id="ada") == {"old", "s0", "s1"}
    assert sessions_to_drop(sessions, START + 20, user_id="bob") == {"old"}
    assert MAX_SESSIONS_PER_USER == 10


# -- the rules as the emulator applies them ------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clerk(tmp_path: Path, clock: Clock) -> LocalClerk:
    return standalone_clerk(tmp_path, clock=clock)


def sign_up(clerk: LocalClerk, email: str = "ada@example.org") -> tuple[Caller, str]:
    """A new browser signs up; (its caller, the session)."""
    caller = Caller(clerk.new_browser(), origin="http://localhost:3000")
    created = clerk.create_sign_up(caller, {"email_address": email, "password": PASSWORD})
    sign_up_id = created["response"]["id"]
    clerk.prepare_sign_up(caller, sign_up_id, {"strategy": "email_code"})
    done = clerk.attempt_sign_up(caller, sign_up_id, {"code": "424242"})
    session_id: str = done["response"]["created_session_id"]
    return caller, session_id


def sign_in(clerk: LocalClerk, email: str) -> tuple[Caller, str]:
    """A new browser signs in with an email code; (its caller, the session)."""
    caller = Caller(clerk.new_browser())
    sign_in_id = clerk.create_sign_in(caller, {"identifier": email})["response"]["id"]
    clerk.prepare_first_factor(caller, sign_in_id, {"strategy": "email_code"})
    done = clerk.attempt_first_factor(
        caller, sign_in_id, {"strategy": "email_code", "code": "424242"}
    )
    session_id: str = done["response"]["created_session_id"]
    return caller, session_id


def stored_sessions(clerk: LocalClerk) -> dict[str, dict[str, object]]:
    sessions: dict[str, dict[str, object]] = json.loads(clerk.store.path.read_text())["sessions"]
    return sessions


def test_a_week_idle_signs_the_session_out_and_removes_it(clerk: LocalClerk, clock: Clock) -> None:
    caller, session_id = sign_up(clerk)
    clock.now += IDLE_EXPIRY_SECONDS + 60
    with pytest.raises(NotSignedInError):
        clerk.session_token(caller, session_id)
    assert session_id not in stored_sessions(clerk)
    assert clerk.client(caller)["response"]["sessions"] == []


def test_use_keeps_a_session_alive(clerk: LocalClerk, clock: Clock) -> None:
    caller, session_id = sign_up(clerk)
    for _ in range(4):  # four weeks, used every six days
        clock.now += 6 * DAY
        assert clerk.session_token(caller, session_id)["jwt"]


def test_frequent_token_refreshes_do_not_rewrite_the_file(clerk: LocalClerk, clock: Clock) -> None:
    caller, session_id = sign_up(clerk)
    before = clerk.store.path.stat().st_mtime_ns
    for _ in range(30):  # half an hour of 60-second token refreshes
        clock.now += 60
        clerk.session_token(caller, session_id)
    assert clerk.store.path.stat().st_mtime_ns == before
    clock.now += ACTIVITY_GRAIN_SECONDS
    clerk.session_token(caller, session_id)
    assert stored_sessions(clerk)[session_id]["last_active_at"] == int(clock.now)


def test_sessions_per_user_are_capped_least_recently_used_first(
    clerk: LocalClerk, clock: Clock
) -> None:
    first = sign_up(clerk)
    later = []
    for _ in range(MAX_SESSIONS_PER_USER + 4):
        clock.now += 60
        later.append(sign_in(clerk, "ada@example.org"))
    assert len(stored_sessions(clerk)) == MAX_SESSIONS_PER_USER
    with pytest.raises(NotSignedInError):
        clerk.session_token(*first)
    assert clerk.session_token(*later[-1])["jwt"]


def test_sign_in_sweeps_other_users_expired_sessions(clerk: LocalClerk, clock: Clock) -> None:
    for index in range(5):
        sign_up(clerk, f"user{index}@example.org")
    clock.now += IDLE_EXPIRY_SECONDS + 60
    _, session_id = sign_in(clerk, "user0@example.org")
    assert list(stored_sessions(clerk)) == [session_id]
