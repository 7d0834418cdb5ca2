"""The UI path under load: our favorite-color page over the Reflex socket, 1 and 2 workers.

    .venv/bin/python bench/ui_run.py            # Express route + UI path at 1 and 2 workers
    .venv/bin/python bench/ui_run.py --smoke    # the same path, short

In one run: the tutorial's Express backend is measured by the existing harness (its REST route,
`GET /user/favoriteColor` at 16 connections), then ours with 1 worker, then 2 workers sharing
state in Redis (`WEB_CONCURRENCY=2`, `REFLEX_REDIS_URL`). Each target gets a fresh SecantusDB and
the same signed `user.created` ingest; ours is then driven by `uiload.py` (browser-like tabs on
the Socket.IO path) at 16, 200 and 1,000 concurrent sessions, and holds 1,000 idle sessions for
the memory figure. UI figures are quoted as ratios to the Express route from the same run.
The c=16 head-to-head is then repeated (`--rounds`, alternating which side goes first, each on
a fresh database and server), and its targets are judged on the median of the per-round
ratios: this machine is shared, and one round's Express figure alone moves by ±15% between runs.
Prints a markdown table with ✅/❌ beside each target; JSON goes to bench/results/tmp/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import uiload
from common import Load, log

UI_RPS_TARGET = 1.5
"""Color loads/s at c=16, against the Express route's req/s in the same round (issue 21)."""
UI_P99_TARGET = 0.5
"""The UI path's p99 at c=16, against the Express route's p99 (issue 21)."""

Result = dict[str, Any]


def express_route(work: Path, seed_dir: Path, fixtures: Path, load: Load) -> Result:
    """The Express route's req/s and latency, measured by the existing harness."""
    db = common.start_secantus(work, "ui-seed")
    with common.running(db):
        seed = common.start_seed(
            work,
            seed_dir,
            "ui-seed",
            fixtures=fixtures,
            mongo_uri=f"mongodb://127.0.0.1:{db.port}/",
        )
        with common.running(seed):
            result = common.run_loadgen(
                work, "ui-seed", target=seed, db=db, fixtures=fixtures, load=load
            )
    route = result["route"]
    return {
        "requests_per_s": route["requests_per_s"],
        "latency_ms": route["latency_ms"],
        "non_2xx": route["non_2xx"],
        "app_cpu_us_per_req": route["cpu"]["app_cpu_us_per_req"],
    }


def ours_ui(
    work: Path,
    app_dir: Path,
    fixtures: Path,
    load: Load,
    plan: uiload.Plan,
    *,
    workers: int,
    redis_url: str | None,
    oplock: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Result:
    """Fresh DB, ingest users through /webhooks, then the UI phases over the socket."""
    label = f"ui-w{workers}{'-oplock' if oplock else ''}"
    db = common.start_secantus(work, label)
    with common.running(db):
        mongo_uri = f"mongodb://127.0.0.1:{db.port}/"
        ours = common.start_ours(
            work,
            app_dir,
            label,
            fixtures=fixtures,
            mongo_uri=mongo_uri,
            workers=workers,
            redis_url=redis_url,
            extra_env={**(extra_env or {}), **({"REFLEX_OPLOCK_ENABLED": "1"} if oplock else {})},
        )
        with common.running(ours):
            ingest = common.run_loadgen(
                work, label, target=ours, db=db, fixtures=fixtures, load=load, skip_route=True
            )
            users = uiload.Users.from_mongo(mongo_uri, load.route_users)
            log(f"{label}: {len(users.ids)} users stored; driving the socket path")
            base = f"http://127.0.0.1:{ours.port}"
            figures = uiload.run(
                uiload.measure([base], users, uiload.fixture_minter(fixtures), plan, ours.pid)
            )
    figures["workers"] = f"{workers}{' + oplock' if oplock else ''}"
    figures["ingest_lost"] = ingest["ingest"]["lost"]
    figures["ingest_dup"] = ingest["ingest"]["duplicates"]
    return figures


def _phase(r: Result, c: int) -> Result:
    return next((p for p in r["phases"] if p["concurrency"] == c), {})


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def head_to_head(report: Result) -> list[Result]:
    """Each round's c=16 figures, ours (1 worker) and Express's, with their ratios."""
    rounds = []
    for r in report["rounds"]:
        ours, ex = r["ours"], r["express"]
        rounds.append(
            {
                "order": r["order"],
                "ours_rps": ours["loads_per_s"],
                "ours_p99": ours["latency_ms"]["p99"],
                "express_rps": ex["requests_per_s"],
                "express_p99": ex["latency_ms"]["p99"],
                "rps_ratio": ours["loads_per_s"] / ex["requests_per_s"],
                "p99_ratio": ours["latency_ms"]["p99"] / ex["latency_ms"]["p99"],
            }
        )
    return rounds


def render_rounds(report: Result) -> str:
    """The head-to-head table: every round, then the medians the targets are judged on."""
    rounds = head_to_head(report)
    lines = [
        "| round | order | ours loads/s | Express req/s | ratio | ours p99 ms | Express p99 ms "
        "| ratio |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(rounds, 1):
        lines.append(
            f"| {i} | {r['order']} | {r['ours_rps']} | {r['express_rps']} | "
            f"{r['rps_ratio']:.2f}× | {r['ours_p99']} | {r['express_p99']} | "
            f"{r['p99_ratio']:.2f}× |"
        )
    rps = statistics.median(r["rps_ratio"] for r in rounds)
    p99 = statistics.median(r["p99_ratio"] for r in rounds)
    lines.append(
        f"| median | | | | **{rps:.2f}×** (≥ {UI_RPS_TARGET}× {_mark(rps >= UI_RPS_TARGET)}) | | | "
        f"**{p99:.2f}×** (≤ {UI_P99_TARGET}× {_mark(0 < p99 <= UI_P99_TARGET)}) |"
    )
    return "\n".join(lines)


def render(report: Result) -> str:
    """The markdown tables: UI path at 1 and 2 workers beside the Express route."""
    ex = report["express"]
    ex_rps, ex_p99 = ex["requests_per_s"], ex["latency_ms"]["p99"]
    runs: list[Result] = report["ours"]
    head = "| metric | " + " | ".join(f"{r['workers']} worker(s)" for r in runs)
    lines = [
        head + " | Express REST route | ratio (1 worker) | target |",
        "|---|" + "---:|" * len(runs) + "---:|---:|---|",
    ]
    one = runs[0]
    # With more rounds, the verdict is their median (the head-to-head table), not this round.
    judged = " (this round; see the median below)" if len(report.get("rounds", [])) > 1 else ""
    concs = sorted({p["concurrency"] for r in runs for p in r["phases"]})
    for c in concs:
        cells = [str(_phase(r, c).get("loads_per_s", "")) for r in runs]
        ratio = ""
        target = ""
        if c == 16:
            v = _phase(one, c).get("loads_per_s", 0) / ex_rps if ex_rps else 0
            ratio, target = f"{v:.2f}×", f"≥ {UI_RPS_TARGET}× {_mark(v >= UI_RPS_TARGET)}{judged}"
        express = f"{ex_rps} req/s" if c == 16 else ""
        lines.append(
            f"| color loads/s, c={c} | "
            + " | ".join(cells)
            + f" | {express} | {ratio} | {target} |"
        )
        cells = [
            "/".join(
                str(_phase(r, c).get("latency_ms", {}).get(k, "")) for k in ("p50", "p90", "p99")
            )
            for r in runs
        ]
        ratio = target = express = ""
        if c == 16:
            v = _phase(one, c).get("latency_ms", {}).get("p99", 0) / ex_p99 if ex_p99 else 0
            met = _mark(0 < v <= UI_P99_TARGET)
            ratio, target = f"{v:.2f}× (p99)", f"p99 ≤ {UI_P99_TARGET}× {met}{judged}"
            lat = ex["latency_ms"]
            express = f"{lat['p50']}/{lat.get('p90', '–')}/{ex_p99}"
        lines.append(
            f"| p50/p90/p99 ms, c={c} | "
            + " | ".join(cells)
            + f" | {express} | {ratio} | {target} |"
        )
        cells = [str(_phase(r, c).get("app_cpu_us_per_load", "")) for r in runs]
        express = str(ex["app_cpu_us_per_req"]) if c == 16 else ""
        lines.append(f"| app CPU µs per load, c={c} | " + " | ".join(cells) + f" | {express} | | |")
        cells = [str(_phase(r, c).get("client_cpu_us_per_load", "")) for r in runs]
        lines.append(f"| load client CPU µs per load, c={c} | " + " | ".join(cells) + " | | | |")
    errors = [sum(p["errors"] for p in r["phases"]) for r in runs]
    lines.append(
        "| errors (all phases) | "
        + " | ".join(map(str, errors))
        + f" | {ex['non_2xx']} non-2xx | | 0 {_mark(not any(errors))} |"
    )
    if not report["plan"]["idle_sessions"]:
        return "\n".join(lines)
    idle = [_phase(r, report["plan"]["idle_sessions"]) for r in runs]
    growth = [p.get("idle_rss_growth_mb") for p in idle]
    per = [p.get("idle_rss_per_session_kb") for p in idle]
    n = report["plan"]["idle_sessions"]
    ok = growth[0] is not None and growth[0] < 200 * n / 1000
    lines.append(
        f"| RSS growth for {n} idle sessions, MB | "
        + " | ".join(str(g) for g in growth)
        + f" | | | < {200 * n // 1000} MB (one worker) {_mark(ok)} |"
    )
    lines.append("| RSS per idle session, KB | " + " | ".join(str(p) for p in per) + " | | | |")
    return "\n".join(lines)


def _first_round(express: Result, one_worker: Result) -> Result:
    """Round 1 is the run itself: Express first, then ours with 1 worker."""
    return {"order": "Express → ours", "express": express, "ours": _phase(one_worker, 16)}


def head_to_head_round(
    work: Path,
    seed_dir: Path,
    app_dir: Path,
    fixtures: Path,
    load: Load,
    plan: uiload.Plan,
    index: int,
    extra_env: dict[str, str],
) -> Result:
    """One more c=16 round on fresh servers; odd rounds measure ours first."""
    c16 = uiload.Plan(
        concurrencies=(16,), duration=plan.duration, warmup=plan.warmup, idle_sessions=0
    )

    def ours() -> Result:
        figures = ours_ui(
            work, app_dir, fixtures, load, c16, workers=1, redis_url=None, extra_env=extra_env
        )
        return _phase(figures, 16)

    log(f"head-to-head round {index + 1}")
    if index % 2:
        mine = ours()
        return {
            "order": "ours → Express",
            "ours": mine,
            "express": express_route(work, seed_dir, fixtures, load),
        }
    express = express_route(work, seed_dir, fixtures, load)
    return {"order": "Express → ours", "express": express, "ours": ours()}


SMOKE = {
    "users": 300,
    "duration": 5,
    "warmup": 2,
    "concurrency": "16,200",
    "idle": 200,
    "rounds": 1,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--users", type=int, default=1000, help="users ingested per target")
    ap.add_argument("--route-users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--concurrency", default="16,200,1000")
    ap.add_argument("--idle", type=int, default=1000, help="idle sessions held for the RSS figure")
    ap.add_argument(
        "--workers",
        default="1,2,2o",
        help="worker counts; a trailing 'o' adds REFLEX_OPLOCK_ENABLED=1 (Redis only)",
    )
    ap.add_argument(
        "--env", action="append", default=[], help="KEY=VALUE for our backend (repeatable)"
    )
    ap.add_argument(
        "--rounds", type=int, default=3, help="c=16 head-to-head rounds (the first is the run's)"
    )
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.smoke:
        for name, value in SMOKE.items():
            if getattr(args, name) == ap.get_default(name):
                setattr(args, name, value)
    t0 = time.monotonic()
    work = args.work or Path(tempfile.mkdtemp(prefix="clerk-uibench-"))
    common.ensure_system_tools(need_redis=True)
    common.ensure_app_requirements(common.REPO)
    seed_dir = common.ensure_seed_build()
    app_dir = common.copy_app(common.REPO, work / "app")
    fixtures = work / "fixtures"
    common.fixture_env(fixtures)
    load = Load(
        users=args.users,
        warmup_users=100,
        route_users=args.route_users,
        concurrency=16,
        duration=int(args.duration),
        warmup=int(args.warmup),
    )
    plan = uiload.Plan(
        concurrencies=tuple(common.int_list(args.concurrency)),
        duration=args.duration,
        warmup=args.warmup,
        idle_sessions=args.idle,
    )
    extra_env = dict(e.split("=", 1) for e in args.env)
    # Each tab holds a websocket, and a worker takes at most 3/4 of --worker-connections as
    # sockets (clerk_fullstack/server/worker.py): room for the most tabs a phase opens, as a
    # deployment sized for that many tabs per worker sets it (docs/operations.md).
    most_tabs = max((*plan.concurrencies, plan.idle_sessions), default=16)
    extra_env.setdefault("GUNICORN_CMD_ARGS", f"--worker-connections {2 * most_tabs}")
    report: Result = {
        "plan": {
            "concurrencies": list(plan.concurrencies),
            "duration": plan.duration,
            "idle_sessions": plan.idle_sessions,
        },
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "env": [f"{key}={value}" for key, value in extra_env.items()],
        "ours": [],
    }
    log("Express route (existing harness)")
    report["express"] = express_route(work, seed_dir, fixtures, load)
    redis = common.start_redis(work)
    with common.running(redis):
        for spec in (x.strip() for x in args.workers.split(",") if x.strip()):
            w, oplock = int(spec.rstrip("o")), spec.endswith("o")
            log(f"ours, {spec} worker(s)")
            report["ours"].append(
                ours_ui(
                    work,
                    app_dir,
                    fixtures,
                    load,
                    plan,
                    workers=w,
                    redis_url=f"redis://127.0.0.1:{redis.port}" if w > 1 else None,
                    oplock=oplock,
                    extra_env=extra_env,
                )
            )
        one = [r for r in report["ours"] if r["workers"] == "1" and _phase(r, 16)]
        report["rounds"] = [_first_round(report["express"], one[0])] if one else []
        for i in range(1, args.rounds if one else 0):
            report["rounds"].append(
                head_to_head_round(work, seed_dir, app_dir, fixtures, load, plan, i, extra_env)
            )
    report["elapsed_s"] = round(time.monotonic() - t0, 1)
    table = render(report)
    if report["rounds"]:
        table += "\n\nHead-to-head at c=16, 1 worker:\n\n" + render_rounds(report)
    latest = common.BENCH / "results" / "tmp"
    latest.mkdir(parents=True, exist_ok=True)
    (latest / "ui-report.json").write_text(json.dumps(report, indent=2))
    (latest / "ui-table.md").write_text(table + "\n")
    print(table)
    print(f"\n(elapsed {report['elapsed_s']} s; raw JSON: {latest / 'ui-report.json'})")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
