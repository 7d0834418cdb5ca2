"""Where our backend's CPU goes on the UI path: py-spy while `uiload.py` drives the socket.

    .venv/bin/python bench/ui_profile.py --concurrency 16 --duration 15

Starts a fresh SecantusDB and our backend (1 worker), ingests users through /webhooks, then
records the backend's process tree with `py-spy record --subprocesses` while the load client
runs color loads at the given concurrency. Prints the same owner / self / inclusive tables as
`profile.py` and the load figures under sampling (which slows the server).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import uiload
from common import Load, log

_spec = importlib.util.spec_from_file_location("bench_profile", common.BENCH / "profile.py")
assert _spec is not None and _spec.loader is not None
bench_profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_profile)


def main(argv: Sequence[str] | None = None) -> int:
    """Profile one UI-path phase and print the summary."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="clerk-uiprof-"))
    app_dir = common.copy_app(common.REPO, work / "app")
    fixtures = work / "fixtures"
    common.fixture_env(fixtures)
    db = common.start_secantus(work, "uiprof")
    redis = common.start_redis(work) if args.workers > 1 else None
    try:
        uri = f"mongodb://127.0.0.1:{db.port}/"
        ours = common.start_ours(
            work,
            app_dir,
            "uiprof",
            fixtures=fixtures,
            mongo_uri=uri,
            workers=args.workers,
            redis_url=f"redis://127.0.0.1:{redis.port}" if redis else None,
        )
        with common.running(ours):
            load = Load(users=args.users, warmup_users=50, route_users=200)
            common.run_loadgen(
                work, "uiprof", target=ours, db=db, fixtures=fixtures, load=load, skip_route=True
            )
            users = uiload.Users.from_mongo(uri, 200)
            plan = uiload.Plan(
                concurrencies=(args.concurrency,),
                duration=args.duration,
                warmup=2,
                idle_sessions=0,
            )
            out = work / "ui.collapsed"
            recording = bench_profile.record(
                bench_profile.py_spy(), ours.pid, out, subprocesses=True
            )
            base = f"http://127.0.0.1:{ours.port}"
            figures = uiload.run(
                uiload.measure([base], users, uiload.fixture_minter(fixtures), plan, ours.pid)
            )
            bench_profile.stop_recording(recording)
        log(json.dumps(figures))
        print(f"## UI path, c={args.concurrency}, {args.workers} worker(s), under py-spy\n")
        print(bench_profile.summarize(out))
        print(f"\n(collapsed stacks: {out})")
    finally:
        db.stop()
        if redis is not None:
            redis.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
