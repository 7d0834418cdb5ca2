"""What a late webhook costs: the first `GET /user/favoriteColor` of a user MongoDB lacks.

Against a running app in local mode (`./scripts/run.sh`, or `reflex run`), this signs users up
through the emulator's Frontend API with the emulator's webhooks paused, so no `user.created`
arrives. For each user it times the first request (the app fetches the user from the Backend
API, stores it, answers) and the next ones (the user is in MongoDB: the hot path). It prints
medians and the ratio; it is a measurement, never a pass/fail test.

    .venv/bin/python bench/first_request.py --backend http://127.0.0.1:8000 \
        --frontend http://localhost:3000 --data-dir .data
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.clerk_frontend import FrontendAPI

PASSWORD = "correct horse battery staple"


async def timed_get(http: httpx.AsyncClient, url: str, token: str, origin: str) -> float:
    """Seconds for one authorized `GET`, which must answer 200."""
    started = time.perf_counter()
    response = await http.get(url, headers={"authorization": f"Bearer {token}", "origin": origin})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    emulator = f"{args.backend}/local-clerk"
    secret = (Path(args.data_dir) / "local_clerk" / "secret_key").read_text().strip()
    control = {"authorization": f"Bearer {secret}"}
    route = f"{args.backend}/user/favoriteColor"
    first: list[float] = []
    stored: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        await http.post(f"{emulator}/v1/outage", json={"webhooks_paused": True}, headers=control)
        try:
            for _ in range(args.users):
                async with FrontendAPI(emulator, origin=args.frontend) as browser:
                    await browser.sign_up(f"bench-{uuid.uuid4().hex[:10]}@example.org", PASSWORD)
                    token = await browser.token()
                first.append(await timed_get(http, route, token, args.frontend))
                for _ in range(args.repeats):
                    stored.append(await timed_get(http, route, token, args.frontend))
        finally:
            await http.post(
                f"{emulator}/v1/outage", json={"webhooks_paused": False}, headers=control
            )
    first_ms = statistics.median(first) * 1000
    stored_ms = statistics.median(stored) * 1000
    print(f"users: {args.users}, stored-path requests: {len(stored)}")
    print(f"first request (fetched from the Backend API): median {first_ms:.1f} ms")
    print(f"user already stored (hot path):               median {stored_ms:.1f} ms")
    print(f"added by the fetch: {first_ms - stored_ms:.1f} ms ({first_ms / stored_ms:.1f}x)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="http://127.0.0.1:8000")
    parser.add_argument("--frontend", default="http://localhost:3000")
    parser.add_argument("--data-dir", default=".data")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
