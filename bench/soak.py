"""Soak: mixed load against 2 workers on Redis behind Caddy, bounded in time and count.

    .venv/bin/python bench/soak.py                    # 5 minutes
    .venv/bin/python bench/soak.py --duration 20      # the CI version

Layout: a fresh SecantusDB, a Redis, two backend processes (`reflex run --env prod
--backend-only`, one worker each, `REFLEX_REDIS_URL` shared) and Caddy with `deploy/Caddyfile`
in front (the static root is a placeholder page: the soak drives only the backend routes).
Everything goes through Caddy:

- browser-like tabs (`uiload.py`) load their color again and again; every 20th load the tab
  reconnects first (a page reload), so its socket moves to the other backend;
- a webhook sender posts signed `user.created` events for new users at a fixed rate, sends
  some deliveries twice (a redelivery), and retries failures as Svix does.

Reports per window: color loads/s, p99, webhook acks, RSS of each backend. At the end: errors
(must be 0), users lost (acknowledged but not stored) and duplicated (must be 0), RSS at start
and end. Exit status 1 when errors, lost or duplicated users are not 0. JSON goes to
bench/results/tmp/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "vendor" / "harness"))

import common
import uiload
import webhooks as hooks
from common import Server, log

Result = dict[str, Any]


def start_caddy(work: Path, backends: Sequence[Server]) -> Server:
    """Caddy with the repository's Caddyfile, on loopback, in front of `backends`."""
    binary = shutil.which("caddy")
    if binary is None:
        common._apt_install(["caddy"])
        binary = shutil.which("caddy") or "caddy"
    port = common.free_port()
    static = work / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "index.html").write_text("<!doctype html><title>soak</title>\n")
    env = {
        **common._clean_env(),
        "SITE_ADDRESS": f"http://127.0.0.1:{port}",
        "BIND_ADDRESS": "127.0.0.1",
        "FRONTEND_ROOT": str(static),
        "BACKENDS": " ".join(f"127.0.0.1:{b.port}" for b in backends),
        "HOME": str(work),
        "XDG_DATA_HOME": str(work / "caddy-data"),
        "XDG_CONFIG_HOME": str(work / "caddy-config"),
    }
    server = common.spawn(
        "caddy",
        [
            binary,
            "run",
            "--config",
            str(common.REPO / "deploy" / "Caddyfile"),
            "--adapter",
            "caddyfile",
        ],
        log_path=work / "logs" / "caddy.log",
        env=env,
        cwd=work,
        port=port,
    )
    server.ready_s = common.wait_for(
        server, lambda: common.http_status(f"http://127.0.0.1:{port}/ping") == 200, 30
    )
    return server


class WebhookSender:
    """Signed `user.created` deliveries at a fixed rate, with redeliveries and Svix-like retries."""

    def __init__(self, base_url: str, secret: str, rate: float, dup_share: float) -> None:
        self.base_url = base_url
        self.secret = secret
        self.rate = rate
        self.dup_share = dup_share
        self.acknowledged: list[str] = []
        self.failed: list[str] = []
        self.retries = 0
        self.sent = 0

    async def deliver(self, client: httpx.AsyncClient, user_id: str, rnd: random.Random) -> None:
        """One event: deliver (twice, sometimes), retrying each delivery up to 5 times."""
        body, headers = hooks.signed_event(self.secret, "user.created", hooks.user_data(user_id))
        copies = 2 if rnd.random() < self.dup_share else 1
        ok = False
        for _ in range(copies):
            for attempt in range(5):
                self.sent += 1
                try:
                    resp = await client.post("/webhooks", content=body, headers=headers)
                    if resp.status_code == 200:
                        ok = True
                        break
                except httpx.HTTPError:
                    pass
                self.retries += 1
                await asyncio.sleep(0.2 * (attempt + 1))
        (self.acknowledged if ok else self.failed).append(user_id)

    async def run(self, stop_at: float, max_events: int, rnd: random.Random) -> None:
        """Send until `stop_at` or `max_events`, whichever comes first."""
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as client:
            n = 0
            while time.monotonic() < stop_at and n < max_events:
                uid = hooks.clerk_id("user")
                task = asyncio.create_task(self.deliver(client, uid, rnd))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
                await asyncio.sleep(1 / self.rate)
            if tasks:
                await asyncio.wait(tasks, timeout=60)


async def soak(
    caddy_url: str,
    backends: Sequence[Server],
    users: uiload.Users,
    fixtures: Path,
    args: argparse.Namespace,
) -> Result:
    """Run the mixed load; per-window figures plus the final counts."""
    names = uiload.AppNames.derive()
    mint = uiload.fixture_minter(fixtures)
    tabs = uiload.make_sessions([caddy_url], users, args.sessions, mint, names)
    connect_failures = await uiload.open_all(tabs, parallel=16)
    secret = json.loads((fixtures / "fixtures.json").read_text())["webhook_secret"]
    sender = WebhookSender(caddy_url, secret, args.webhook_rate, args.dup_share)
    rnd = random.Random(args.seed)
    start = time.monotonic()
    stop_at = start + args.duration
    latencies: list[tuple[float, float]] = []  # (finished at, seconds)
    errors: list[str] = []
    reconnects = 0
    loads = 0

    async def tab(session: uiload.TabSession) -> None:
        nonlocal reconnects, loads
        n = 0
        while time.monotonic() < stop_at and loads < args.max_loads:
            n += 1
            loads += 1
            try:
                if n % 20 == 0 or not session.connected:
                    await session.connect()  # a reload: through Caddy, to the other backend
                    reconnects += 1
                took = await session.load()
                latencies.append((time.monotonic() - start, took))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(args.think)

    windows: list[Result] = []
    pids = [uiload.tree_pids(b.pid) for b in backends]

    async def sampler() -> None:
        edge = 0.0
        while time.monotonic() < stop_at + 0.5:
            await asyncio.sleep(min(args.window, max(stop_at - time.monotonic(), 0.5)))
            now = time.monotonic() - start
            span = [t for at, t in latencies if edge <= at < now]
            row = uiload.summarize(span, 0, now - edge)
            windows.append(
                {
                    "t_end_s": round(now, 1),
                    "loads_per_s": row["loads_per_s"],
                    "p99_ms": row["latency_ms"]["p99"],
                    "webhooks_acked": len(sender.acknowledged),
                    "rss_mb": [round(uiload.tree_rss_bytes(p) / 2**20, 1) for p in pids],
                }
            )
            log(f"soak window: {json.dumps(windows[-1])}")
            edge = now
            if now >= args.duration:
                break

    rss_start = [round(uiload.tree_rss_bytes(p) / 2**20, 1) for p in pids]
    await asyncio.gather(
        sender.run(stop_at, args.max_webhooks, rnd),
        sampler(),
        *(tab(s) for s in tabs),
    )
    rss_end = [round(uiload.tree_rss_bytes(p) / 2**20, 1) for p in pids]
    await uiload.close_all(tabs)
    overall = uiload.summarize([t for _, t in latencies], len(errors), args.duration)
    return {
        "duration_s": args.duration,
        "sessions": args.sessions,
        "loads": overall["loads"],
        "loads_per_s": overall["loads_per_s"],
        "latency_ms": overall["latency_ms"],
        "reconnects": reconnects,
        "load_errors": len(errors) + connect_failures,
        "error_samples": sorted(set(errors))[:5],
        "webhooks": {
            "events": len(sender.acknowledged) + len(sender.failed),
            "acknowledged": len(sender.acknowledged),
            "failed": len(sender.failed),
            "deliveries": sender.sent,
            "retries": sender.retries,
        },
        "acknowledged_ids": sender.acknowledged,
        "windows": windows,
        "rss_start_mb": rss_start,
        "rss_end_mb": rss_end,
    }


def count_users(mongo_uri: str, ids: Sequence[str]) -> tuple[int, int]:
    """(lost, duplicated) among the acknowledged user ids."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, directConnection=True)
    try:
        counts: dict[str, int] = {}
        for doc in client["auth"]["users"].find({"clerkUserId": {"$in": list(ids)}}):
            counts[doc["clerkUserId"]] = counts.get(doc["clerkUserId"], 0) + 1
    finally:
        client.close()
    lost = sum(1 for i in ids if i not in counts)
    duplicated = sum(1 for c in counts.values() if c > 1)
    return lost, duplicated


def render(r: Result) -> str:
    """A markdown summary with ✅/❌ beside each target."""

    def mark(ok: bool) -> str:
        return "✅" if ok else "❌"

    growth = [e - s for s, e in zip(r["rss_start_mb"], r["rss_end_mb"], strict=True)]
    w = r["windows"]
    # The trend: RSS after the first window (warm) against the end.
    warm = w[0]["rss_mb"] if w else r["rss_start_mb"]
    trend = [e - s for s, e in zip(warm, r["rss_end_mb"], strict=True)]
    trend_ok = all(t <= max(25.0, 0.1 * s) for t, s in zip(trend, warm, strict=True))
    hooks_ = r["webhooks"]
    lines = [
        f"Soak: {r['duration_s']} s, {r['sessions']} tabs + webhooks, 2 workers on Redis, Caddy",
        "",
        "| figure | value | target |",
        "|---|---:|---|",
        f"| color loads | {r['loads']} ({r['loads_per_s']}/s), {r['reconnects']} reconnects | |",
        f"| load p50 / p99 ms | {r['latency_ms']['p50']} / {r['latency_ms']['p99']} | |",
        f"| errors (loads + failed webhooks) | {r['load_errors']} + {hooks_['failed']} | "
        f"0 {mark(r['load_errors'] + hooks_['failed'] == 0)} |",
        f"| webhook events acknowledged (deliveries, retries) | {hooks_['acknowledged']} "
        f"({hooks_['deliveries']}, {hooks_['retries']}) | |",
        f"| users lost / duplicated | {r['lost']} / {r['duplicated']} | "
        f"0 / 0 {mark(r['lost'] == 0 and r['duplicated'] == 0)} |",
        "| RSS per backend, start → end MB | "
        + ", ".join(f"{s} → {e}" for s, e in zip(r["rss_start_mb"], r["rss_end_mb"], strict=True))
        + f" (growth {', '.join(f'{g:+.1f}' for g in growth)}) | |",
        f"| RSS after warm-up → end MB | {', '.join(f'{t:+.1f}' for t in trend)} | "
        f"no trend (≤ max(25 MB, 10%)) {mark(trend_ok)} |",
        "",
        "| window end s | loads/s | p99 ms | webhooks acked | RSS MB (a, b) |",
        "|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {x['t_end_s']} | {x['loads_per_s']} | {x['p99_ms']} | {x['webhooks_acked']} "
        f"| {', '.join(map(str, x['rss_mb']))} |"
        for x in w
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Set up, soak, check MongoDB, print the summary."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=300)
    ap.add_argument("--window", type=float, default=None, help="seconds per row (default: /10)")
    ap.add_argument("--sessions", type=int, default=32)
    ap.add_argument("--think", type=float, default=0.05, help="seconds between a tab's loads")
    ap.add_argument("--users", type=int, default=200, help="users stored before the soak")
    ap.add_argument("--webhook-rate", type=float, default=20, help="new users per second")
    ap.add_argument("--dup-share", type=float, default=0.1, help="share delivered twice")
    ap.add_argument("--max-loads", type=int, default=2_000_000)
    ap.add_argument("--max-webhooks", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--oplock", action="store_true", help="REFLEX_OPLOCK_ENABLED=1 (see docs/performance.md)"
    )
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    args.window = args.window or max(args.duration / 10, 2)
    work = args.work or Path(tempfile.mkdtemp(prefix="clerk-soak-"))
    common.ensure_system_tools(need_redis=True)
    app_dir = common.copy_app(common.REPO, work / "app")
    fixtures = work / "fixtures"
    common.fixture_env(fixtures)
    stack = contextlib.ExitStack()
    try:
        db = stack.enter_context(common.running(common.start_secantus(work, "soak")))
        redis = stack.enter_context(common.running(common.start_redis(work)))
        mongo_uri = f"mongodb://127.0.0.1:{db.port}/"
        redis_url = f"redis://127.0.0.1:{redis.port}"
        backends = []
        for name in ("a", "b"):
            backend = common.start_ours(
                work,
                app_dir,
                f"soak-{name}",
                fixtures=fixtures,
                mongo_uri=mongo_uri,
                workers=1,
                redis_url=redis_url,
                extra_env={"REFLEX_OPLOCK_ENABLED": "1"} if args.oplock else None,
            )
            backends.append(stack.enter_context(common.running(backend)))
        caddy = stack.enter_context(common.running(start_caddy(work, backends)))
        caddy_url = f"http://127.0.0.1:{caddy.port}"
        log(f"soak: 2 backends on Redis behind Caddy at {caddy_url}; storing {args.users} users")
        secret = json.loads((fixtures / "fixtures.json").read_text())["webhook_secret"]
        seeder = WebhookSender(caddy_url, secret, rate=1e9, dup_share=0)

        async def seed() -> None:
            async with httpx.AsyncClient(base_url=caddy_url, timeout=30) as client:
                rnd = random.Random(0)
                for i in range(0, args.users, 16):
                    await asyncio.gather(
                        *(
                            seeder.deliver(client, hooks.clerk_id("user"), rnd)
                            for _ in range(min(16, args.users - i))
                        )
                    )

        uiload.run(seed())
        if seeder.failed:
            raise RuntimeError(f"{len(seeder.failed)} seed users were not stored")
        users = uiload.Users.from_mongo(mongo_uri, args.users)
        result = uiload.run(soak(caddy_url, backends, users, fixtures, args))
        result["lost"], result["duplicated"] = count_users(mongo_uri, result["acknowledged_ids"])
    finally:
        stack.close()
    del result["acknowledged_ids"]
    latest = common.BENCH / "results" / "tmp"
    latest.mkdir(parents=True, exist_ok=True)
    (latest / "soak.json").write_text(json.dumps(result, indent=2))
    print(render(result))
    print(json.dumps({k: result[k] for k in ("load_errors", "lost", "duplicated")}))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    failed = result["load_errors"] + result["webhooks"]["failed"] + result["lost"]
    return 1 if failed + result["duplicated"] else 0


if __name__ == "__main__":
    sys.exit(main())
