"""Private files and folders: cross-process locks, owner-only writes and owner-only folders.

Each file is created on first use and kept, so tokens and webhooks stay valid across restarts,
hot reloads and the several processes `reflex run` starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on `directory` (across processes) while the block runs."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_private_dir(path: Path) -> None:
    """Create `path` (and its parent, if missing) for this user alone (0700); narrow it if it
    exists (the embedded database's files hold every user's email, tab state files a session)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)


def write_private(path: Path, content: bytes) -> None:
    """Write `content` readable by the owner only, replacing `path` atomically."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    tmp.replace(path)


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's content, created with `make()` the first time (safe across processes)."""
    with locked(path.parent):
        if not path.exists():
            write_private(path, make())
        return path.read_bytes()


def read_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """A text secret kept in `path`, generated on first use."""
    return read_or_create(path, lambda: make().encode()).decode().strip()
