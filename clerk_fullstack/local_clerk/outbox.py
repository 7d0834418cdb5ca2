"""Webhook messages not yet accepted, kept in the data folder so retries survive a restart.

`reflex run` restarts the backend on every code change, and runs several workers: a message is
written here before its first attempt, removed once accepted (or given up), and claimed under
the folder's file lock for each attempt, so no two processes deliver it at the same time.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from clerk_fullstack.core.files import locked, write_private

OUTBOX_FILE = "outbox.json"


@dataclass(slots=True)
class PendingMessage:
    """One message and where its delivery stands."""

    msg_id: str
    event: dict[str, Any]
    seq: int
    """Order of sending: pending messages resume oldest first."""
    attempts: int = 0
    """Attempts made so far."""
    due_at: float = 0.0
    """Epoch seconds when the next attempt may start (the back-off survives a restart)."""
    claimed_by: str | None = None
    claimed_until: float = 0.0


class Outbox:
    """Pending messages in `<directory>/outbox.json`, shared by every process on the folder."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.path = directory / OUTBOX_FILE
        self.owner = secrets.token_hex(8)
        """This process's claim mark."""
        self._clock = clock

    @contextlib.contextmanager
    def _messages(self) -> Iterator[dict[str, PendingMessage]]:
        with locked(self.directory):
            data: dict[str, Any] = json.loads(self.path.read_text()) if self.path.exists() else {}
            messages = {k: PendingMessage(**v) for k, v in data.get("messages", {}).items()}
            before = json.dumps(data.get("messages", {}), sort_keys=True)
            yield messages
            after = {k: asdict(v) for k, v in messages.items()}
            if json.dumps(after, sort_keys=True) != before:
                write_private(self.path, json.dumps({"messages": after}).encode())

    def add(self, msg_id: str, event: dict[str, Any]) -> PendingMessage:
        """Keep a new message, due now, before its first attempt."""
        with self._messages() as messages:
            seq = max((m.seq for m in messages.values()), default=0) + 1
            message = PendingMessage(msg_id, event, seq, due_at=self._clock())
            messages[msg_id] = message
            return message

    def pending(self) -> list[PendingMessage]:
        """Every message not yet accepted, oldest first."""
        with self._messages() as messages:
            return sorted(messages.values(), key=lambda m: m.seq)

    def claim(self, msg_id: str, lease: float) -> PendingMessage | float | None:
        """Take the message for one attempt: the message, seconds to wait, or None if gone.

        The lease outlives an attempt's timeout; a process that dies mid-attempt frees the
        message when its lease runs out.
        """
        now = self._clock()
        with self._messages() as messages:
            message = messages.get(msg_id)
            if message is None:
                return None
            if message.claimed_by not in (None, self.owner) and message.claimed_until > now:
                return message.claimed_until - now
            message.claimed_by, message.claimed_until = self.owner, now + lease
            return PendingMessage(**asdict(message))

    def record(self, msg_id: str, *, done: bool, next_delay: float | None) -> None:
        """After an attempt: drop the message when done or out of retries, else reschedule."""
        with self._messages() as messages:
            message = messages.get(msg_id)
            if message is None:
                return
            if done or next_delay is None:
                del messages[msg_id]
                return
            message.attempts += 1
            message.due_at = self._clock() + next_delay
            message.claimed_by, message.claimed_until = None, 0.0
