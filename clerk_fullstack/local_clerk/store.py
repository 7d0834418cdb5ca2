"""The emulator's own records, its "Clerk database": users, browsers (clients) and sessions.

The file is separate from the app's MongoDB on purpose: the app's `users` collection must be
filled by webhooks alone, as it is with real Clerk. Every transaction takes a cross-process file
lock and rewrites the file atomically, so hot reloads and several workers see one store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import secrets
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_fullstack.core.files import locked, write_private
from clerk_fullstack.local_clerk.sessions import is_expired, needs_touch, sessions_to_drop

STORE_FILE = "users.json"
_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """A Clerk-style id: prefix, underscore, 27 base62 characters (`user_2NNEqL2nrIRdJ1…`)."""
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(27))


def now_ms() -> int:
    """The current time in milliseconds, Clerk's unit for `created_at`/`updated_at`."""
    return time.time_ns() // 1_000_000


def secret_hash(secret: str) -> str:
    """How a browser's credential is kept: its SHA-256, never the value itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class LocalUser:
    """A user as the emulator knows it."""

    id: str
    email_address: str
    email_address_id: str
    first_name: str | None
    last_name: str | None
    created_at: int
    updated_at: int
    """Milliseconds; strictly increases with each change, so the app can order events."""
    last_sign_in_at: int | None = None
    password_hash: str | None = None
    """`scrypt$…` (see passwords.py); None for a user made without a password."""


@dataclass(slots=True)
class LocalSession:
    """A signed-in user on one browser."""

    id: str
    user_id: str
    client_id: str
    created_at: int
    """Seconds since the epoch: when the user signed in (drives the `fva` claim)."""
    last_active_at: int | None = None
    """Seconds: the last use, recorded to the hour; a week idle ends the session."""


@dataclass(slots=True)
class SignUpAttempt:
    """A sign-up in progress: what the form sent, and whether the email address is verified."""

    id: str
    email_address: str | None
    password_hash: str | None
    first_name: str | None
    last_name: str | None
    created_at: int
    """Milliseconds."""
    verification_status: str = "unverified"
    """`unverified` until a code is prepared, then `unverified` with an expiry, then `verified`."""
    verification_expire_at: int | None = None
    attempts: int = 0
    created_user_id: str | None = None
    created_session_id: str | None = None


@dataclass(slots=True)
class SignInAttempt:
    """A sign-in in progress for one identified user."""

    id: str
    identifier: str
    user_id: str
    created_at: int
    strategy: str | None = None
    """The first factor prepared or tried: `password` or `email_code`."""
    verification_status: str | None = None
    verification_expire_at: int | None = None
    attempts: int = 0
    created_session_id: str | None = None


@dataclass(slots=True)
class LocalClient:
    """One browser (Clerk's Client): its sessions and the sign-in or sign-up it is in."""

    id: str
    browser_hash: str
    created_at: int
    updated_at: int
    last_active_session_id: str | None = None
    sign_up: SignUpAttempt | None = None
    sign_in: SignInAttempt | None = None
    last_authentication_strategy: str | None = None


@dataclass(slots=True)
class Records:
    """Everything in the store, loaded for one transaction."""

    users: dict[str, LocalUser] = field(default_factory=dict)
    clients: dict[str, LocalClient] = field(default_factory=dict)
    sessions: dict[str, LocalSession] = field(default_factory=dict)
    changed: bool = False
    """Set by a read that had to change something (an expired or used session)."""

    def user_by_email(self, email_address: str) -> LocalUser | None:
        """The user with this (lower-cased) email address, if any."""
        return next((u for u in self.users.values() if u.email_address == email_address), None)

    def client_by_browser(self, browser_id: str) -> LocalClient | None:
        """The client a development browser id belongs to."""
        wanted = secret_hash(browser_id)
        return next(
            (c for c in self.clients.values() if secrets.compare_digest(c.browser_hash, wanted)),
            None,
        )

    def sessions_of(self, client: LocalClient) -> list[LocalSession]:
        """The client's live sessions, oldest first."""
        return sorted(
            (s for s in self.sessions.values() if s.client_id == client.id),
            key=lambda s: s.created_at,
        )

    def live_session(self, session_id: str, now: float) -> LocalSession | None:
        """The session if it exists and has not expired (an expired one is removed)."""
        session = self.sessions.get(session_id)
        if session is None:
            return None
        if is_expired(session, now) or session.user_id not in self.users:
            self.end_session(session.id)
            return None
        if needs_touch(session, now):
            session.last_active_at = int(now)
            self.changed = True
        return session

    def start_session(self, client: LocalClient, user: LocalUser, now: float) -> LocalSession:
        """Sign `user` in on `client`; drops expired sessions and the user's oldest past the cap."""
        session = LocalSession(
            id=new_id("sess"),
            user_id=user.id,
            client_id=client.id,
            created_at=int(now),
            last_active_at=int(now),
        )
        self.sessions[session.id] = session
        for stale in sessions_to_drop(self.sessions, now, user_id=user.id):
            self.end_session(stale)
        client.last_active_session_id = session.id
        user.last_sign_in_at = now_ms()
        self.changed = True
        return session

    def end_session(self, session_id: str) -> None:
        """Remove a session; a client that had it active has none active afterwards."""
        session = self.sessions.pop(session_id, None)
        if session is None:
            return
        client = self.clients.get(session.client_id)
        if client is not None and client.last_active_session_id == session_id:
            remaining = self.sessions_of(client)
            client.last_active_session_id = remaining[-1].id if remaining else None
        self.changed = True

    def delete_user(self, user_id: str) -> LocalUser | None:
        """Remove a user and every session of theirs."""
        user = self.users.pop(user_id, None)
        for session_id in [s.id for s in self.sessions.values() if s.user_id == user_id]:
            self.end_session(session_id)
        self.changed = True
        return user


def _from_dict(cls: Any, data: dict[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _client_from_dict(data: dict[str, Any]) -> LocalClient:
    client: LocalClient = _from_dict(LocalClient, data)
    if isinstance(data.get("sign_up"), dict):
        client.sign_up = _from_dict(SignUpAttempt, data["sign_up"])
    if isinstance(data.get("sign_in"), dict):
        client.sign_in = _from_dict(SignInAttempt, data["sign_in"])
    return client


class UserStore:
    """Users, clients and sessions in `<directory>/users.json`."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.path = directory / STORE_FILE
        self.clock = clock

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Records]:
        """Hold the lock, load the records, and save them if `write` or a read changed them.

        A block that raises still saves what was changed before it raised (an expired session
        removed, a failed attempt counted), then re-raises."""
        with locked(self.directory):
            records = self._load()
            try:
                yield records
            except Exception:
                if records.changed:
                    self._save(records)
                raise
            if write or records.changed:
                self._save(records)

    def _save(self, records: Records) -> None:
        data = {
            "users": {k: dataclasses.asdict(v) for k, v in records.users.items()},
            "clients": {k: dataclasses.asdict(v) for k, v in records.clients.items()},
            "sessions": {k: dataclasses.asdict(v) for k, v in records.sessions.items()},
        }
        write_private(self.path, json.dumps(data, indent=1).encode())

    def _load(self) -> Records:
        if not self.path.exists():
            return Records()
        data: dict[str, Any] = json.loads(self.path.read_text())
        return Records(
            users={k: _from_dict(LocalUser, v) for k, v in data.get("users", {}).items()},
            clients={k: _client_from_dict(v) for k, v in data.get("clients", {}).items()},
            sessions={
                k: _from_dict(LocalSession, v)
                for k, v in data.get("sessions", {}).items()
                if "client_id" in v
            },
        )

    def all_users(self) -> list[LocalUser]:
        """Every user, in no particular order."""
        with self.transaction() as records:
            return list(records.users.values())

    def get_user(self, user_id: str) -> LocalUser | None:
        """The user with this id, if any."""
        with self.transaction() as records:
            return records.users.get(user_id)
