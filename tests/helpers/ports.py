"""Free loopback ports for the servers tests start, safe under pytest-xdist.

A port the kernel picks (`bind(("127.0.0.1", 0))`) comes from the ephemeral range, where every
outgoing connection on the machine also takes its local port, and where another worker's pick
can land between our check and our server's bind: a test then talks to somebody else's server.
So the ports handed out here lie below Linux's ephemeral range (32768 up), each worker has its
own block, and a worker hands its block out in turn, skipping any port that is taken.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator

FIRST_PORT = 20_000
PORTS_PER_WORKER = 1_000
BLOCKS = 12
"""Blocks between FIRST_PORT and the ephemeral range; more workers than blocks share them."""


def worker_block(worker: str | None) -> range:
    """The ports of the pytest-xdist worker named `worker` ("gw0", ...; None: no xdist)."""
    index = 0 if worker is None else (int(worker.removeprefix("gw")) + 1) % BLOCKS
    start = FIRST_PORT + index * PORTS_PER_WORKER
    return range(start, start + PORTS_PER_WORKER)


_BLOCK = worker_block(os.environ.get("PYTEST_XDIST_WORKER"))
_START = random.randrange(len(_BLOCK))  # two runs on one machine seldom walk the same ports
_TURNS: Iterator[int] = itertools.cycle([*_BLOCK[_START:], *_BLOCK[:_START]])


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now, from this worker's block."""
    for port in itertools.islice(_TURNS, PORTS_PER_WORKER):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"every port in {_BLOCK} is taken")
