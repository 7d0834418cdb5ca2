"""Child processes the tests start (Caddy, Redis, `reflex run`, commands): wait until up, stop,
or run to the end."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from tests.helpers import http_client
from tests.helpers.environment import app_environment
from tests.helpers.project import ROOT


def came_up(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float, interval: float
) -> bool:
    """Poll `ready` until it holds; False once `process` has exited or `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def terminate(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM `process`; SIGKILL it if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_python(
    args: Sequence[str], *, timeout: float, settings: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python <args>` from the project root, with a child's environment (`app_environment`,
    plus `settings`), as a developer runs a command: its output as text, its exit status for
    the caller to judge."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=app_environment(settings or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def answers(url: str) -> bool:
    """Whether `url` answers 200 right now."""
    try:
        return http_client.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on `port`, read from `/proc/net/tcp*`."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                    found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    """A kernel-format address (each 32-bit word little-endian) as text."""
    packed = b"".join(
        bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8)
    )
    return str(ipaddress.ip_address(packed))
