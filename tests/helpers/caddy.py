"""Caddy (Debian's package) with the repository's `deploy/Caddyfile`, on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.helpers.processes import answers, came_up, terminate
from tests.helpers.project import ROOT

CADDYFILE = ROOT / "deploy" / "Caddyfile"


@contextlib.contextmanager
def caddy(port: int, backends: Sequence[str], frontend_root: Path, log: Path) -> Iterator[str]:
    """Run Caddy in front of `backends` (host:port); yield the site's URL."""
    binary = shutil.which("caddy")
    if binary is None:
        raise RuntimeError("caddy is not installed (scripts/test.sh installs it)")
    env = {
        **os.environ,
        "SITE_ADDRESS": f"http://localhost:{port}",
        "FRONTEND_ROOT": str(frontend_root),
        "BACKENDS": " ".join(backends),
        "BIND_ADDRESS": "127.0.0.1",
        "HOME": str(log.parent),  # Caddy's data/config dirs, away from the real home
        "XDG_DATA_HOME": str(log.parent / "caddy-data"),
        "XDG_CONFIG_HOME": str(log.parent / "caddy-config"),
    }
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("wb")
    process = subprocess.Popen(
        [binary, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    try:
        if not came_up(process, lambda: answers(f"http://127.0.0.1:{port}/ping"), 30, 0.2):
            raise RuntimeError(f"caddy did not start: {log.read_text()[-2000:]}")
        yield url
    finally:
        terminate(process)
        out.close()
