"""A throwaway `redis-server` (Debian's) on loopback, for Reflex's multi-worker state."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.ports import free_port
from tests.helpers.processes import came_up, terminate


def _pong(port: int) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", port), 0.5) as sock,
    ):
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start `redis-server` without persistence; yield its `redis://` URL; stop it after."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (scripts/test.sh installs it)")
    port = free_port()
    log = (workdir / "redis.log").open("wb")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not came_up(process, lambda: _pong(port), 20, 0.05):
            raise RuntimeError("redis-server did not start")
        yield f"redis://127.0.0.1:{port}"
    finally:
        terminate(process)
        log.close()
