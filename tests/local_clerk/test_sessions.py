"""Stand-in sessions expire after a week idle, stay few per user, and keep the store file small."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clerk_fullstack.local_clerk.errors import NotSignedInError
from clerk_fullstack.local_clerk.sessions import IDLE_EXPIRY_SECONDS, MAX_SESSIONS_PER_USER
from clerk_fullstack.local_clerk.store import UserStore

pytestmark = pytest.mark.unit

DAY = 24 * 3600


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> UserStore:
    return UserStore(tmp_path, clock=clock)


def new_user(store: UserStore, email: str = "ada@example.org") -> str:
    return store.create_user(email_address=email, first_name=None, last_name=None).id


def stored_sessions(store: UserStore) -> dict[str, dict[str, object]]:
    sessions: dict[str, dict[str, object]] = json.loads(store.path.read_text())["sessions"]
    return sessions


def test_a_week_idle_signs_the_session_out_and_removes_it(store: UserStore, clock: Clock) -> None:
    session, token = store.create_session(new_user(store))
    clock.now += IDLE_EXPIRY_SECONDS + 60
    with pytest.raises(NotSignedInError, match="expired"):
        store.authenticate(token)
    assert session.id not in stored_sessions(store)
    with pytest.raises(NotSignedInError):
        store.authenticate(token)


def test_use_keeps_a_session_alive(store: UserStore, clock: Clock) -> None:
    session, token = store.create_session(new_user(store))
    for _ in range(4):  # four weeks, used every six days
        clock.now += 6 * DAY
        assert store.authenticate(token)[0].id == session.id


def test_frequent_use_does_not_rewrite_the_file(store: UserStore, clock: Clock) -> None:
    _, token = store.create_session(new_user(store))
    before = store.path.stat().st_mtime_ns
    for _ in range(30):  # half an hour of 60-second token refreshes
        clock.now += 60
        store.authenticate(token)
    assert store.path.stat().st_mtime_ns == before


def test_sessions_per_user_are_capped_least_recently_used_first(
    store: UserStore, clock: Clock
) -> None:
    user_id = new_user(store)
    tokens = []
    for _ in range(MAX_SESSIONS_PER_USER + 5):
        clock.now += 60
        tokens.append(store.create_session(user_id)[1])
    assert len(stored_sessions(store)) == MAX_SESSIONS_PER_USER
    with pytest.raises(NotSignedInError):
        store.authenticate(tokens[0])
    assert store.authenticate(tokens[-1])[1].id == user_id


def test_sign_in_sweeps_other_users_expired_sessions(store: UserStore, clock: Clock) -> None:
    for index in range(20):
        store.create_session(new_user(store, f"user{index}@example.org"))
    clock.now += IDLE_EXPIRY_SECONDS + 60
    store.create_session(new_user(store, "late@example.org"))
    assert len(stored_sessions(store)) == 1


def test_a_store_file_from_before_expiry_still_loads(tmp_path: Path, clock: Clock) -> None:
    store = UserStore(tmp_path, clock=clock)
    session, token = store.create_session(new_user(store))
    data = json.loads(store.path.read_text())
    del data["sessions"][session.id]["last_active_at"]
    store.path.write_text(json.dumps(data))
    assert store.authenticate(token)[0].id == session.id
