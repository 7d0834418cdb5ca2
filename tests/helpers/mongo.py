"""Real MongoDB-wire servers for tests: SecantusDB, in-process or as a child process."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from secantus import SecantusDBServer


def start_server(storage: Path, port: int = 0) -> SecantusDBServer:
    """Start SecantusDB in this process (its own threads) and return it."""
    server = SecantusDBServer(
        host="127.0.0.1", port=port, storage_path=str(storage), cache_size="128M"
    )
    server.start()
    return server


def uri_for(port: int) -> str:
    """The connection string for a server on loopback."""
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


class ChildServer:
    """SecantusDB in a child process, so a test can stop and restart the database."""

    def __init__(self, storage: Path, port: int) -> None:
        self.storage = storage
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        code = (
            "import sys, time; from secantus import SecantusDBServer;"
            "s = SecantusDBServer(host='127.0.0.1', port=int(sys.argv[1]),"
            " storage_path=sys.argv[2], cache_size='64M'); s.start(); print('READY', flush=True);"
            "sys.stdin.read(); s.stop()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port), str(self.storage)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == b"READY"

    def stop(self) -> None:
        """Stop the server cleanly (closing WiredTiger), as an outage would look to clients."""
        if self.process is None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        time.sleep(0.1)
