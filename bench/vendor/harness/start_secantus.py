# Copied from ../shared/baseline/bench/start_secantus.py (baseline harness).
# Changes: ruff format/lint fixes only, unless a '# bench:' comment says otherwise.
"""Start an embedded SecantusDB (MongoDB wire protocol) and block until SIGTERM/SIGINT.

    python start_secantus.py --port 27117 --storage /tmp/secantus-bench [--host 127.0.0.1]

Equivalent CLI (installed with SecantusDB):
    secantusd-py --host 127.0.0.1 --port P --storage-path DIR
Prints 'READY mongodb://host:port/' on stdout once listening.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from secantus import SecantusDBServer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--storage", required=True, help="storage dir (':memory:' for ephemeral)")
    ap.add_argument("--cache-size", default="1G")
    ap.add_argument("--log-level", default="WARNING")
    a = ap.parse_args()
    logging.basicConfig(level=getattr(logging, a.log_level.upper(), logging.WARNING))
    srv = SecantusDBServer(
        host=a.host, port=a.port, storage_path=a.storage, cache_size=a.cache_size
    )
    srv.start()

    stop_evt = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_evt.set())
    signal.signal(signal.SIGINT, lambda *_: stop_evt.set())
    print(f"READY mongodb://{srv.host}:{srv.port}/", flush=True)
    try:
        while not stop_evt.wait(0.5):
            pass
    finally:
        srv.stop()  # orderly: drains connections, closes WiredTiger
    sys.exit(0)


if __name__ == "__main__":
    main()
