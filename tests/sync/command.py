"""`python -m clerk_fullstack.sync` run as an operator runs it: a child process, its exit status,
stdout and stderr; and the settings that point it at a Backend API double."""

from __future__ import annotations

import asyncio
import os
import sys

from clerk_fullstack.core.settings import encode_publishable_key
from tests.helpers.tokens import TEST_HOST
from tests.helpers.webhooks import TEST_WEBHOOK_SECRET
from tests.sync.clerk_double import SECRET_KEY, ClerkDouble


async def run_command(*args: str, **env: str) -> tuple[int, str, str]:
    """Run the sync with `args`, the test environment and `env` on top; (status, out, err)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clerk_fullstack.sync",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def clerk_env(clerk: ClerkDouble, host: str = TEST_HOST, *, live: bool = False) -> dict[str, str]:
    """Clerk mode against the double, with a publishable key for the instance at `host`."""
    return {
        "CLERK_MODE": "clerk",
        "CLERK_PUBLISHABLE_KEY": encode_publishable_key(host, live=live),
        "CLERK_SECRET_KEY": SECRET_KEY,
        "CLERK_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
        "CLERK_API_URL": clerk.url,
    }
