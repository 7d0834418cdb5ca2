"""The stand-in's own user and session records: its "Clerk database", a JSON file.

The file is separate from the app's MongoDB on purpose: the app's `users` collection must be
filled by webhooks alone, as it is with real Clerk. Every call takes a cross-process file lock
and rewrites the file atomically, so hot reloads and several workers see one consistent store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import secrets
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_fullstack.local_clerk.errors import (
    IdentifierExistsError,
    InvalidFormError,
    NotSignedInError,
)
from clerk_fullstack.local_clerk.files import locked, write_private
from clerk_fullstack.local_clerk.sessions import is_expired, needs_touch, sessions_to_drop

STORE_FILE = "users.json"
MAX_NAME_LENGTH = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """A Clerk-style id: prefix, underscore, 27 base62 characters (`user_2NNEqL2nrIRdJ1…`)."""
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(27))


def now_ms() -> int:
    """The current time in milliseconds, Clerk's unit for `created_at`/`updated_at`."""
    return time.time_ns() // 1_000_000


def _token_hash(client_token: str) -> str:
    return hashlib.sha256(client_token.encode()).hexdigest()


@dataclass(slots=True)
class LocalUser:
    """A user as the stand-in knows it."""

    id: str
    email_address: str
    email_address_id: str
    first_name: str | None
    last_name: str | None
    created_at: int
    updated_at: int
    """Milliseconds; strictly increases with each change, so the app can order events."""
    last_sign_in_at: int | None = None


@dataclass(slots=True)
class LocalSession:
    """A signed-in browser; its client token is kept only as a hash."""

    id: str
    user_id: str
    token_hash: str
    created_at: int
    """Seconds since the epoch: when the user signed in (drives the `fva` claim)."""
    last_active_at: int | None = None
    """Seconds: the last use, recorded to the hour; a week idle ends the session."""


@dataclass(slots=True)
class _Records:
    users: dict[str, LocalUser] = field(default_factory=dict)
    sessions: dict[str, LocalSession] = field(default_factory=dict)
    changed: bool = False
    """Set by a read that had to change something (an expired or used session)."""


def clean_email(value: object) -> str:
    """A trimmed, lower-cased email address, or `InvalidFormError`."""
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise InvalidFormError("email_address is not a valid email address")
    return value.strip().lower()


def clean_name(value: object, name: str) -> str | None:
    """A trimmed name (empty means none), or `InvalidFormError`."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH:
        raise InvalidFormError(f"{name} must be text of at most {MAX_NAME_LENGTH} characters")
    return value.strip() or None


class UserStore:
    """Users and sessions in `<directory>/users.json`."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.path = directory / STORE_FILE
        self._clock = clock

    @contextlib.contextmanager
    def _records(self, *, write: bool = False) -> Iterator[_Records]:
        with locked(self.directory):
            records = self._load()
            try:
                yield records
            except Exception:
                if records.changed:  # e.g. an expired session removed before refusing it
                    self._save(records)
                raise
            if write or records.changed:
                self._save(records)

    def _save(self, records: _Records) -> None:
        data = {
            "users": {k: dataclasses.asdict(v) for k, v in records.users.items()},
            "sessions": {k: dataclasses.asdict(v) for k, v in records.sessions.items()},
        }
        write_private(self.path, json.dumps(data, indent=2).encode())

    def _load(self) -> _Records:
        if not self.path.exists():
            return _Records()
        data: dict[str, Any] = json.loads(self.path.read_text())
        return _Records(
            users={k: LocalUser(**v) for k, v in data.get("users", {}).items()},
            sessions={k: LocalSession(**v) for k, v in data.get("sessions", {}).items()},
        )

    def create_user(
        self, *, email_address: str, first_name: str | None, last_name: str | None
    ) -> LocalUser:
        """Add a user; the email address must be free."""
        return self.create_users([(email_address, first_name, last_name)])[0]

    def create_users(self, people: Sequence[tuple[str, str | None, str | None]]) -> list[LocalUser]:
        """Add users (email address, first name, last name) in one write; addresses must be free."""
        with self._records(write=True) as records:
            taken = {u.email_address for u in records.users.values()}
            created: list[LocalUser] = []
            now = 0
            for email_address, first_name, last_name in people:
                if email_address in taken:
                    raise IdentifierExistsError("That email address is taken. Please try another.")
                taken.add(email_address)
                # Distinct creation times, as Clerk's are, so `order_by` has one answer.
                now = max(now_ms(), now + 1)
                user = LocalUser(
                    id=new_id("user"),
                    email_address=email_address,
                    email_address_id=new_id("idn"),
                    first_name=first_name,
                    last_name=last_name,
                    created_at=now,
                    updated_at=now,
                )
                records.users[user.id] = user
                created.append(user)
            return created

    def find_by_email(self, email_address: str) -> LocalUser | None:
        """The user with this email address, if any."""
        with self._records() as records:
            return next(
                (u for u in records.users.values() if u.email_address == email_address), None
            )

    def get_user(self, user_id: str) -> LocalUser | None:
        """The user with this id, if any."""
        with self._records() as records:
            return records.users.get(user_id)

    def all_users(self) -> list[LocalUser]:
        """Every user, in no particular order."""
        with self._records() as records:
            return list(records.users.values())

    def update_names(
        self, user_id: str, *, first_name: str | None, last_name: str | None
    ) -> LocalUser:
        """Change a user's names and bump `updated_at`."""
        with self._records(write=True) as records:
            user = records.users.get(user_id)
            if user is None:
                raise NotSignedInError("The user no longer exists")
            user.first_name = first_name
            user.last_name = last_name
            user.updated_at = max(now_ms(), user.updated_at + 1)
            return user

    def delete_user(self, user_id: str) -> LocalUser:
        """Remove a user and revoke all of their sessions."""
        with self._records(write=True) as records:
            user = records.users.pop(user_id, None)
            if user is None:
                raise NotSignedInError("The user no longer exists")
            records.sessions = {k: s for k, s in records.sessions.items() if s.user_id != user_id}
            return user

    def create_session(self, user_id: str) -> tuple[LocalSession, str]:
        """Sign a user in: a new session and the client token that proves it."""
        client_token = f"client_{secrets.token_urlsafe(32)}"
        now = int(self._clock())
        with self._records(write=True) as records:
            user = records.users.get(user_id)
            if user is None:
                raise NotSignedInError("The user no longer exists")
            session = LocalSession(
                id=new_id("sess"),
                user_id=user_id,
                token_hash=_token_hash(client_token),
                created_at=now,
                last_active_at=now,
            )
            records.sessions[session.id] = session
            # Each sign-in also sweeps: the file holds live sessions only, a few per user.
            for stale in sessions_to_drop(records.sessions, now, user_id=user_id):
                del records.sessions[stale]
            user.last_sign_in_at = now_ms()
            return session, client_token

    def authenticate(self, client_token: str | None) -> tuple[LocalSession, LocalUser]:
        """The active session (and its user) the client token belongs to."""
        if not client_token:
            raise NotSignedInError("No client token")
        token_hash = _token_hash(client_token)
        now = self._clock()
        with self._records() as records:
            for session in list(records.sessions.values()):
                if not secrets.compare_digest(session.token_hash, token_hash):
                    continue
                if is_expired(session, now):
                    del records.sessions[session.id]
                    records.changed = True
                    raise NotSignedInError("The session expired after a week without use")
                user = records.users.get(session.user_id)
                if user is None:
                    break
                if needs_touch(session, now):
                    session.last_active_at = int(now)
                    records.changed = True
                return session, user
        raise NotSignedInError("No active session for this client")

    def end_session(self, session_id: str) -> None:
        """Sign a session out; ending an unknown session is not an error."""
        with self._records(write=True) as records:
            records.sessions.pop(session_id, None)
