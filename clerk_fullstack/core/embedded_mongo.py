"""An embedded MongoDB-wire server (SecantusDB) for when MONGO_URI is unset.

The server runs in its own process, so it outlives `reflex run` hot reloads and is shared by
every backend worker. It stops by itself once no client has been connected for a while.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from clerk_fullstack.core.files import make_private_dir

IDLE_EXIT_SECONDS = 60.0
START_TIMEOUT_SECONDS = 60.0


def _port_answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _read_port(port_file: Path) -> int | None:
    try:
        return int(port_file.read_text().strip())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_embedded_server(data_dir: Path) -> str:
    """Return the URI of the embedded server for `data_dir`, starting it if none is running."""
    make_private_dir(data_dir)
    port_file = data_dir / "port"
    with _locked(data_dir / "start.lock"):
        port = _read_port(port_file)
        if port is not None and _port_answers(port):
            return f"mongodb://127.0.0.1:{port}/?directConnection=true"
        port_file.unlink(missing_ok=True)
        with (data_dir / "server.log").open("ab") as log:
            # The launcher forks the server off and exits, so no caller is left with a zombie.
            subprocess.run(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "clerk_fullstack.core.embedded_mongo",
                    "--detach",
                    str(data_dir),
                ],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=os.getcwd(),
                check=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            port = _read_port(port_file)
            if port is not None and _port_answers(port):
                return f"mongodb://127.0.0.1:{port}/?directConnection=true"
            time.sleep(0.1)
    raise RuntimeError(f"The embedded SecantusDB did not start; see {data_dir / 'server.log'}")


def serve(data_dir: Path, idle_exit_seconds: float = IDLE_EXIT_SECONDS) -> None:
    """Run the server on a free loopback port until it has had no clients for a while."""
    from secantus import SecantusDBServer

    make_private_dir(data_dir)
    server = SecantusDBServer(
        host="127.0.0.1", port=0, storage_path=str(data_dir / "db"), cache_size="256M"
    )
    server.start()
    (data_dir / "pid").write_text(str(os.getpid()))
    (data_dir / "port.tmp").write_text(str(server.port))
    (data_dir / "port.tmp").replace(data_dir / "port")
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    idle_since = time.monotonic()
    try:
        while not stopping.wait(1.0):
            if server.connections.snapshot():
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > idle_exit_seconds:
                break
    finally:
        with _locked(data_dir / "start.lock"):
            (data_dir / "port").unlink(missing_ok=True)
        server.stop()  # closes WiredTiger cleanly


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--idle-exit", type=float, default=IDLE_EXIT_SECONDS)
    parser.add_argument("--detach", action="store_true", help="fork into the background first")
    args = parser.parse_args()
    if args.detach and os.fork() > 0:
        os._exit(0)
    serve(args.data_dir, args.idle_exit)
