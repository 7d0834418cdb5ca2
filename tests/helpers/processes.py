"""Child services the tests start (Caddy, Redis, `reflex run`): wait until up, stop."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import httpx


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


def answers(url: str) -> bool:
    """Whether `url` answers 200 right now."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
