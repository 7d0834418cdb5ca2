"""How fast the database stores new users the way our webhook ingest does: its ceiling.

    .venv/bin/python bench/db_ceiling.py [--events 1200] [--batches 1,4,8,16,32] [--in-flight 1,2]
        [--app-dir DIR] [--json]

Starts a fresh SecantusDB (as `bench/run.py` does), connects with the app's own code
(`users.store.connect`, the models bound as the app binds them), and stores `user.created`
events built by the baseline harness and read by the app's parser. Each batch goes through the
users service's group-commit flush (`users.service._create_many`: one `insert_many` journaled on
a majority, then the tombstone check), back to back, with one batch in flight (as one worker's
group commit runs them) or more. No HTTP, no signatures, no app server: what is left is the
database's own cost for our writes.

It prints events/s and SecantusDB's CPU per event for each batch size. Under the bench's ingest
(16 connections) the app's batches hold about 8 events: while one batch is stored, the other
senders' events wait for the next. So the row for 8 events and one batch in flight is the most
that ingest can reach on this database, whatever the app does around the database calls.
`bench/run.py` runs it after its rounds (`--app-dir` its app copy, `--json`) and prints the
rows for 8 and 16 beside Express's ingest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import uiload
from vendor.harness import webhooks as harness_webhooks

if TYPE_CHECKING:
    from clerk_fullstack.users.profile import UserProfile


def new_profiles(count: int) -> list[UserProfile]:
    """`count` distinct users, as Clerk's `user.created` payloads read by the app's parser."""
    from clerk_fullstack.webhooks.events import UserCreated, parse_event

    profiles: list[UserProfile] = []
    for _ in range(count):
        data = harness_webhooks.user_data(harness_webhooks.clerk_id("user"))
        event = parse_event(harness_webhooks.envelope("user.created", data))
        assert isinstance(event, UserCreated)
        profiles.append(event.profile)
    return profiles


async def measure(events: int, batch: int, in_flight: int, db_pid: int) -> dict[str, float]:
    """Store `events` new users in batches of `batch`, `in_flight` batches at a time."""
    from clerk_fullstack.users import service

    profiles = new_profiles(events)
    batches = [profiles[i : i + batch] for i in range(0, len(profiles), batch)]
    queue = iter(batches)
    stored = 0

    async def lane() -> None:
        nonlocal stored
        for chunk in queue:  # the lanes share one iterator: each batch is taken once
            outcomes = await service._create_many(chunk)
            stored += sum(1 for o in outcomes if o is service.SyncResult.CREATED)

    cpu0, t0 = uiload.tree_cpu_s([db_pid]), time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(in_flight)))
    seconds, db_cpu = time.perf_counter() - t0, uiload.tree_cpu_s([db_pid]) - cpu0
    if stored != events:
        raise RuntimeError(f"stored {stored} of {events} users")
    return {"events_per_s": events / seconds, "db_cpu_us": db_cpu / events * 1e6}


async def run(args: argparse.Namespace, mongo_uri: str, db_pid: int) -> list[dict[str, float]]:
    """One row per batch size and batches in flight: the figures of `measure`."""
    from clerk_fullstack.core.settings import get_settings
    from clerk_fullstack.users.store import connect

    os.environ["MONGO_URI"] = mongo_uri
    client = await connect(get_settings())
    rows: list[dict[str, float]] = []
    try:
        await measure(min(200, args.events), 8, 1, db_pid)  # warm-up: caches, connections
        for in_flight in args.in_flight:
            for batch in args.batches:
                figures = await measure(args.events, batch, in_flight, db_pid)
                rows.append({"batch": batch, "in_flight": in_flight, **figures})
                common.log(markdown_row(rows[-1]))
    finally:
        await client.close()
    return rows


def markdown_row(row: dict[str, float]) -> str:
    """`| events per batch | batches in flight | events/s | SecantusDB CPU µs/event |`"""
    return (
        f"| {row['batch']} | {row['in_flight']} | {row['events_per_s']:,.0f} "
        f"| {row['db_cpu_us']:,.0f} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--events", type=int, default=1200, help="users stored per row")
    ap.add_argument("--batches", type=common.int_list, default=[1, 4, 8, 16])
    ap.add_argument("--in-flight", type=common.int_list, default=[1, 2])
    ap.add_argument(
        "--app-dir", type=Path, default=common.REPO, help="the app tree whose flush is measured"
    )
    ap.add_argument("--json", action="store_true", help="print the rows as JSON (bench/run.py)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.app_dir.resolve()))
    with tempfile.TemporaryDirectory(prefix="db-ceiling-") as tmp:
        work = Path(tmp)
        os.environ.update(common.fixture_env(work / "fixtures"))
        with common.running(common.start_secantus(work, "ceiling")) as db:
            uri = f"mongodb://127.0.0.1:{db.port}/?directConnection=true"
            rows = asyncio.run(run(args, uri, db.pid))
    if args.json:
        print(json.dumps(rows))
        return 0
    print(
        "\nSecantusDB storing new users as the webhook ingest does "
        f"({args.events} users a row; `users.service._create_many` per batch):\n"
    )
    print("| events per batch | batches in flight | events/s | SecantusDB CPU µs/event |")
    print("|---:|---:|---:|---:|")
    print("\n".join(markdown_row(row) for row in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
