"""Benchmark our backend against the tutorial's Express backend, alternating, in one run.

    .venv/bin/python bench/run.py            # 3 alternating rounds + token bench + 1→N scaling
    .venv/bin/python bench/run.py --smoke    # the same path, short (CI: proves it works)

Each round starts both targets in turn (the order flips every round), each on a fresh, empty
SecantusDB with the same fixtures (keys, webhook secret), and drives it with the baseline
harness (bench/vendor/harness/loadgen.py): N signed `user.created` webhooks, then
`GET /user/favoriteColor` with Clerk-shaped tokens. Ours runs exactly as docs/operations.md says:
`reflex run --env prod --backend-only --backend-host 127.0.0.1 --backend-port PORT`, from a
private copy of the app, configured by environment variables alone. The baseline is built from
bench/vendor/seed-express with `npm ci` in a cache dir. Prints a side-by-side table (medians) with
ratios; raw JSON and logs stay in the work dir.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import Load, log

Result = dict[str, Any]


# ---------------------------------------------------------------- one target, one round
def bench_target(
    kind: str,
    label: str,
    *,
    work: Path,
    app_dir: Path,
    seed_dir: Path,
    fixtures: Path,
    load: Load,
    workers: int | None = None,
    redis_url: str | None = None,
) -> Result:
    """Fresh DB -> start target -> harness -> stop both; the harness JSON plus start-up times."""
    db = common.start_secantus(work, label)
    with common.running(db):
        mongo_uri = f"mongodb://127.0.0.1:{db.port}/"
        if kind == "ours":
            target = common.start_ours(
                work,
                app_dir,
                label,
                fixtures=fixtures,
                mongo_uri=mongo_uri,
                workers=workers,
                redis_url=redis_url,
            )
        else:
            target = common.start_seed(
                work, seed_dir, label, fixtures=fixtures, mongo_uri=mongo_uri
            )
        with common.running(target):
            log(f"{label}: up in {target.ready_s:.1f}s, running the harness")
            result = common.run_loadgen(
                work, label, target=target, db=db, fixtures=fixtures, load=load
            )
        result["startup"] = {
            "first_answer_s": round(target.extra["first_answer_s"], 2),
            "ready_s": round(target.ready_s or 0.0, 2),
        }
    summary = metrics(result)
    log(
        f"{label}: route {summary['route_rps']} req/s p99 {summary['route_p99_ms']} ms, "
        f"{summary['route_app_us']} µs CPU/req; ingest {summary['ingest_eps']} ev/s, "
        f"lost {summary['ingest_lost']}, dup {summary['ingest_dup']}"
    )
    return result


def metrics(r: Result) -> dict[str, Any]:
    """The figures the table shows, from one harness JSON."""
    ing, route = r["ingest"], r.get("route", {})
    m: dict[str, Any] = {
        "ingest_eps": ing["events_per_s"],
        "ingest_lost": ing["lost"],
        "ingest_dup": ing["duplicates"],
        "ingest_non2xx": ing["non_2xx"],
        "ingest_p50_ms": ing["latency_ms"]["p50"],
        "ingest_p99_ms": ing["latency_ms"]["p99"],
        "ingest_app_us": ing["cpu"]["app_cpu_us_per_req"],
        "ingest_db_us": ing["cpu"]["db_cpu_us_per_req"],
        "ingest_db_share": _share(ing["cpu"]),
        "ingest_db_cores": _cores(ing["cpu"], "db_cpu_s"),
        "ingest_cores": _cores(ing["cpu"], "app_cpu_s", "db_cpu_s"),
        "first_answer_s": r.get("startup", {}).get("first_answer_s"),
        "ready_s": r.get("startup", {}).get("ready_s"),
    }
    if "requests_per_s" in route:
        m.update(
            {
                "route_rps": route["requests_per_s"],
                "route_non2xx": route["non_2xx"],
                "route_p50_ms": route["latency_ms"]["p50"],
                "route_p99_ms": route["latency_ms"]["p99"],
                "route_app_us": route["cpu"]["app_cpu_us_per_req"],
                "route_db_us": route["cpu"]["db_cpu_us_per_req"],
                "route_db_share": _share(route["cpu"]),
                "route_db_cores": _cores(route["cpu"], "db_cpu_s"),
                "route_cores": _cores(route["cpu"], "app_cpu_s", "db_cpu_s"),
                "route_busy_pct": route["cpu"]["machine_busy_pct"],
            }
        )
    return m


def _share(cpu: dict[str, Any]) -> float | None:
    """SecantusDB's share of the CPU that server + database used in the phase, in %."""
    app, db = cpu.get("app_cpu_s"), cpu.get("db_cpu_s")
    if app is None or db is None or app + db == 0:
        return None
    return round(100 * float(db) / (float(app) + float(db)), 1)


def _cores(cpu: dict[str, Any], *keys: str) -> float | None:
    """How many cores these processes kept busy on average over the phase (1.0 = one core).

    `"db_cpu_s"` alone is SecantusDB's (one core is its GIL-bound ceiling). With the server's too
    (`"app_cpu_s", "db_cpu_s"`) it says how much of the machine's two cores the pair used: near
    2, the phase was bound by CPU; well below, by waiting (the database's round trips).
    """
    if any(cpu.get(key) is None for key in keys) or not cpu.get("window_s"):
        return None
    return round(sum(float(cpu[key]) for key in keys) / float(cpu["window_s"]), 2)


# ---------------------------------------------------------------- token verification
def tokbench(
    work: Path,
    app_dir: Path,
    seed_dir: Path,
    fixtures: Path,
    *,
    n: int,
    repeats: int,
    stream_users: int,
    stream_calls: int,
) -> Result:
    """Per-call verification cost: ours (stream / unique), PyJWT, RSA floor; Clerk in Node."""
    py = _python_tokbench(
        app_dir,
        fixtures,
        n=n,
        repeats=repeats,
        stream_users=stream_users,
        stream_calls=stream_calls,
    )
    token_file = _token_file(work, fixtures)
    node = _node_tokbench(seed_dir, fixtures, token_file, n=n, repeats=repeats)
    return {"python": py, "node": node}


def _python_tokbench(
    app_dir: Path,
    fixtures: Path,
    *,
    n: int,
    repeats: int,
    stream_users: int,
    stream_calls: int,
) -> Result:
    """Run bench/tokbench.py in the app copy; its JSON."""
    py = subprocess.run(
        [
            common.PYTHON,
            str(common.BENCH / "tokbench.py"),
            "--fixtures",
            str(fixtures),
            "--n",
            str(n),
            "--repeats",
            str(repeats),
            "--unique-n",
            str(max(100, n // 5)),
            "--stream-users",
            str(stream_users),
            "--stream-calls",
            str(stream_calls),
        ],
        cwd=app_dir,
        check=True,
        capture_output=True,
        text=True,
    )
    result: Result = json.loads(py.stdout)
    return result


def _token_file(work: Path, fixtures: Path) -> Path:
    """The token the Node bench verifies, minted once per work dir from the fixtures' key."""
    token_file = work / "token.txt"
    if not token_file.exists():
        sys.path.insert(0, str(common.HARNESS))
        import keys as keymod
        import tokens as tokmod
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        fx = keymod.load(fixtures)
        priv = load_pem_private_key(fx["jwt_private_pem"].encode(), password=None)
        token_file.write_text(
            tokmod.mint(priv, fx["kid"], "user_2iZO00fCgCdXZBMcKjeHQglTWpg", ttl=3600)
        )
    return token_file


def _node_tokbench(
    seed_dir: Path, fixtures: Path, token_file: Path, *, n: int, repeats: int
) -> Result:
    """Run the harness's verify_node.js (Clerk `verifyToken` and Node's floor); its JSON."""
    node = subprocess.run(
        [
            str(common.VENV_BIN / "node"),
            str(common.HARNESS / "tokbench" / "verify_node.js"),
            str(fixtures / "jwt_public.pem"),
            str(token_file),
            str(n),
            str(repeats),
            str(seed_dir / "node_modules"),
        ],
        env=common.node_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    result: Result = json.loads(node.stdout)
    return result


def tok_metrics(t: Result) -> dict[str, float]:
    """CPU µs per call for each case, and the ratios to the floors."""
    py, node = t["python"], t["node"]
    m = {
        "ours_stream_us": py["ours_stream"]["cpu_us"],
        "ours_unique_us": py["ours_unique"]["cpu_us"],
        "pyjwt_us": py["pyjwt_decode"]["cpu_us"],
        "py_floor_us": py["floor"]["cpu_us"],
        "clerk_seq_us": node["clerk_verifyToken_seq"]["cpu_us"],
        "clerk_c16_us": node["clerk_verifyToken_c16"]["cpu_us"],
        "node_floor_us": node["node_crypto_verify_floor"]["cpu_us"],
    }
    m["ours_stream_x_floor"] = round(m["ours_stream_us"] / m["py_floor_us"], 2)
    m["ours_unique_x_floor"] = round(m["ours_unique_us"] / m["py_floor_us"], 2)
    m["clerk_c16_x_floor"] = round(m["clerk_c16_us"] / m["node_floor_us"], 2)
    return m


# ---------------------------------------------------------------- report
def median(values: Sequence[float | None]) -> float | None:
    """Median of the values that exist."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def fmt(v: float | None, digits: int = 1) -> str:
    """A number for the table: big ones without decimals."""
    if v is None:
        return "–"
    if digits < 2 and abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None."""
    return round(a / b, 2) if a is not None and b else None


Row = tuple[str, float | None, float | None, str, Callable[[float | None], bool | None] | None]


def verdict(check: Callable[[float | None], bool | None] | None, r: float | None) -> str:
    """'met' / 'NOT met' / '' for one row."""
    if check is None:
        return ""
    ok = check(r)
    return "" if ok is None else ("met" if ok else "**NOT met**")


def at_least(x: float) -> Callable[[float | None], bool | None]:
    """Target: ratio >= x."""
    return lambda r: None if r is None else r >= x


def at_most(x: float) -> Callable[[float | None], bool | None]:
    """Target: ratio <= x."""
    return lambda r: None if r is None else r <= x


def render(report: Result) -> str:
    """The side-by-side table (markdown), per-round figures, token bench and scaling."""
    rounds = report["rounds"]
    ours = [metrics(r["ours"]) for r in rounds if "ours" in r]
    seed = [metrics(r["seed"]) for r in rounds if "seed" in r]
    lines = [
        *_summary_head(report),
        *_summary_rows(ours, seed),
        *_integrity_rows(ours, seed),
        *_ceiling_table(report, seed),
        *_token_table(report),
        *_round_table(rounds),
        *_scaling_table(report),
    ]
    return "\n".join(lines)


def _median_of(rows: Sequence[dict[str, Any]], key: str) -> float | None:
    """Median of one figure over the rows that have it."""
    return median([row.get(key) for row in rows])


def _summary_head(report: Result) -> list[str]:
    """The load line, the patches applied (if any) and the summary table's header."""
    load, workers = report["load"], report["workers"] or 1
    return [
        f"Medians of {len(report['rounds'])} alternating round(s); {load['users']} webhooks, "
        f"route {load['duration']} s at {load['concurrency']} connections, "
        f"{load['route_users']} users' tokens; ours with "
        f"{workers} worker(s)"
        f"{' with Redis' if workers > 1 else ''}. Ratio = ours / baseline.",
        *(
            [f"Ours with patches applied to its private copy: {', '.join(report['patches'])}."]
            if report.get("patches")
            else []
        ),
        "",
        "| metric | ours | baseline (Express) | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
    ]


def _summary_rows(ours: list[dict[str, Any]], seed: list[dict[str, Any]]) -> list[str]:
    """One row per figure: both medians, their ratio, the target and whether it is met."""

    def pair(key: str) -> tuple[float | None, float | None]:
        """The median of one figure for ours and for the baseline."""
        return _median_of(ours, key), _median_of(seed, key)

    rows: list[Row] = [
        ("route req/s", *pair("route_rps"), "≥ 5×", at_least(5.0)),
        ("route p50 ms", *pair("route_p50_ms"), "", None),
        ("route p99 ms", *pair("route_p99_ms"), "≤ 0.15×", at_most(0.15)),
        ("route app CPU µs/req", *pair("route_app_us"), "≤ 0.12×", at_most(0.12)),
        ("route SecantusDB CPU µs/req", *pair("route_db_us"), "", None),
        ("route SecantusDB CPU share %", *pair("route_db_share"), "", None),
        ("route SecantusDB cores busy", *pair("route_db_cores"), "", None),
        ("route cores busy, server + SecantusDB", *pair("route_cores"), "", None),
        ("ingest events/s", *pair("ingest_eps"), "≥ 2.5×", at_least(2.5)),
        ("ingest p99 ms", *pair("ingest_p99_ms"), "", None),
        ("ingest app CPU µs/event", *pair("ingest_app_us"), "", None),
        ("ingest SecantusDB CPU µs/event", *pair("ingest_db_us"), "", None),
        ("ingest SecantusDB CPU share %", *pair("ingest_db_share"), "", None),
        ("ingest SecantusDB cores busy", *pair("ingest_db_cores"), "", None),
        ("ingest cores busy, server + SecantusDB", *pair("ingest_cores"), "", None),
        ("backend start → first answer s", *pair("first_answer_s"), "", None),
    ]
    lines = []
    for name, a, b, target, check in rows:
        r = ratio(a, b)
        lines.append(
            f"| {name} | {fmt(a)} | {fmt(b)} | {fmt(r, 2)}× | {target} | {verdict(check, r)} |"
        )
    return lines


def _integrity_rows(ours: list[dict[str, Any]], seed: list[dict[str, Any]]) -> list[str]:
    """The summary's last rows: webhooks lost / duplicated / non-2xx, and route non-2xx."""
    lost = [(m["ingest_lost"], m["ingest_dup"], m["ingest_non2xx"]) for m in ours]
    slost = [(m["ingest_lost"], m["ingest_dup"], m["ingest_non2xx"]) for m in seed]
    ok = all(x == (0, 0, 0) for x in lost)
    route_non2xx = [m.get("route_non2xx") for m in ours] + [m.get("route_non2xx") for m in seed]
    return [
        f"| ingest lost / duplicated / non-2xx (every round) | "
        f"{' '.join('/'.join(map(str, x)) for x in lost)} | "
        f"{' '.join('/'.join(map(str, x)) for x in slost)} | | 0 / 0 | "
        f"{'met' if ok else '**NOT met**'} |",
        f"| route non-2xx (all rounds, both) | {sum(x or 0 for x in route_non2xx)} | | | 0 | |",
    ]


def _ceiling_table(report: Result, seed: list[dict[str, Any]]) -> list[str]:
    """SecantusDB alone storing users through our flush, against Express's median ingest."""
    rows = report.get("db_ceiling")
    if not rows:
        return []
    express = _median_of(seed, "ingest_eps")
    lines = [
        "",
        "The database alone, storing new users through our flush (`bench/db_ceiling.py`: the "
        "journaled `insert_many`, then the tombstone check; one batch in flight, no HTTP, "
        f"{report['db_ceiling_events']} users a row), against Express's median ingest above. "
        "At 16 connections the app's batches hold about 8 events.",
        "",
        "| events per batch | events/s | × Express's ingest | SecantusDB CPU µs/event |",
        "|---:|---:|---:|---:|",
    ]
    for row in rows:
        times = ratio(row["events_per_s"], express)
        lines.append(
            f"| {row['batch']} | {fmt(row['events_per_s'])} | {fmt(times, 2)}× "
            f"| {fmt(row['db_cpu_us'])} |"
        )
    return lines


def _token_table(report: Result) -> list[str]:
    """The token verification table (medians over the rounds), or nothing without runs."""
    toks = [tok_metrics(t) for t in report.get("tokbench", [])]
    if not toks:
        return []

    def tm(key: str) -> float | None:
        """The median of one token figure."""
        return median([t[key] for t in toks])

    return [
        "",
        f"Token verification, CPU µs per call (median of {len(toks)} run(s); "
        f"stream = the route phase's {report['load']['route_users']} tokens, cycled):",
        "",
        "| case | µs/call | × its RSA floor | target | |",
        "|---|---:|---:|---|---|",
        f"| ours, amortized over the token stream | {fmt(tm('ours_stream_us'))} | "
        f"{fmt(tm('ours_stream_x_floor'), 2)}× | ≤ 1.5× | "
        f"{verdict(at_most(1.5), tm('ours_stream_x_floor'))} |",
        f"| ours, every token new (cache miss) | {fmt(tm('ours_unique_us'))} | "
        f"{fmt(tm('ours_unique_x_floor'), 2)}× | | |",
        f"| PyJWT `jwt.decode` alone (+ azp) | {fmt(tm('pyjwt_us'))} | "
        f"{fmt(ratio(tm('pyjwt_us'), tm('py_floor_us')), 2)}× | | |",
        f"| Python RSA floor (`cryptography` verify) | {fmt(tm('py_floor_us'))} | 1.00× | | |",
        f"| Clerk `verifyToken`, sequential (baseline) | {fmt(tm('clerk_seq_us'))} | "
        f"{fmt(ratio(tm('clerk_seq_us'), tm('node_floor_us')), 2)}× | | |",
        f"| Clerk `verifyToken`, 16 in flight (baseline) | {fmt(tm('clerk_c16_us'))} | "
        f"{fmt(tm('clerk_c16_x_floor'), 2)}× | | |",
        f"| Node RSA floor (`crypto.verify`) | {fmt(tm('node_floor_us'))} | 1.00× | | |",
    ]


def _round_table(rounds: list[Result]) -> list[str]:
    """One row per round: its order and each target's headline figures."""
    lines = ["", "Per round (route req/s | p99 ms | app µs/req ‖ ingest ev/s | lost/dup):", ""]
    lines += ["| round | order | ours | baseline |", "|---|---|---|---|"]
    for i, r in enumerate(rounds, 1):
        cells = [_round_cell(r, kind) for kind in ("ours", "seed")]
        lines.append(f"| {i} | {' → '.join(r['order'])} | {cells[0]} | {cells[1]} |")
    return lines


def _round_cell(entry: Result, kind: str) -> str:
    """One target's figures in one round, or a dash if it did not run."""
    if kind not in entry:
        return "–"
    m = metrics(entry[kind])
    return (
        f"{fmt(m.get('route_rps'))} \\| {fmt(m.get('route_p99_ms'))} \\| "
        f"{fmt(m.get('route_app_us'))} ‖ {fmt(m['ingest_eps'])} \\| "
        f"{m['ingest_lost']}/{m['ingest_dup']}"
    )


def _scaling_table(report: Result) -> list[str]:
    """Ours at 1 → N workers, one row per worker count, or nothing if scaling was skipped."""
    if not report.get("scale"):
        return []
    lines = [
        "",
        f"Scaling ours, 1 → N workers (Redis; {report['scale_load']['users']} "
        f"webhooks, route {report['scale_load']['duration']} s; 2 cores shared with "
        "SecantusDB and wrk):",
        "",
        "| workers | route req/s | p99 ms | app CPU µs/req | SecantusDB cores busy | "
        "machine busy % | ingest ev/s | lost/dup |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in report["scale"]:
        m = metrics(s["result"])
        lines.append(
            f"| {s['workers']} | {fmt(m.get('route_rps'))} | {fmt(m.get('route_p99_ms'))} | "
            f"{fmt(m.get('route_app_us'))} | {fmt(m.get('route_db_cores'), 2)} | "
            f"{fmt(m.get('route_busy_pct'))} | {fmt(m['ingest_eps'])} | "
            f"{m['ingest_lost']}/{m['ingest_dup']} |"
        )
    return lines


# ---------------------------------------------------------------- main
SMOKE: dict[str, object] = {
    "rounds": 1,
    "users": 300,
    "warmup_users": 30,
    "duration": 3,
    "warmup": 1,
    "route_users": 50,
    "tok_n": 300,
    "tok_repeats": 2,
    "scale": "2",
    "scale_users": 150,
    "scale_duration": 2,
    "ceiling_events": 200,
}
"""What --smoke shortens: the same path end to end, in well under a minute once set up."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with --smoke's short settings where no option overrides them."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--smoke", action="store_true", help="1 short round, tiny token bench and scaling"
    )
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--users", type=int, default=2000, help="measured user.created webhooks")
    ap.add_argument("--warmup-users", type=int, default=200)
    ap.add_argument(
        "--route-users", type=int, default=200, help="distinct users' tokens in the route phase"
    )
    ap.add_argument("--duration", type=int, default=15, help="route phase seconds")
    ap.add_argument("--warmup", type=int, default=3, help="route warm-up seconds")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="our backend's workers in the rounds (default: Reflex's, i.e. 1 without Redis)",
    )
    ap.add_argument(
        "--scale", default="1,2,5", help="worker counts for the scaling table ('' to skip)"
    )
    ap.add_argument("--scale-users", type=int, default=1000)
    ap.add_argument("--scale-duration", type=int, default=10)
    ap.add_argument("--tok-n", type=int, default=5000, help="token bench calls per repeat")
    ap.add_argument("--tok-repeats", type=int, default=5)
    ap.add_argument(
        "--ceiling-events",
        type=int,
        default=2000,
        help="users per row of the database's own ceiling (bench/db_ceiling.py; 0 skips it)",
    )
    ap.add_argument("--only", choices=("both", "ours", "seed"), default="both")
    ap.add_argument(
        "--app-src",
        type=Path,
        default=common.REPO,
        help="app tree to benchmark (default: this repo; copied before running)",
    )
    ap.add_argument(
        "--patch",
        type=Path,
        action="append",
        default=[],
        help="apply this diff to the app copy first (repeatable), e.g. a change under review",
    )
    ap.add_argument("--work", type=Path, default=None, help="work dir (default: a new /tmp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs, raw JSON, DBs)")
    args = ap.parse_args(argv)
    if args.smoke:  # short everything, except what the command line set explicitly
        for name, value in SMOKE.items():
            if getattr(args, name) == ap.get_default(name):
                setattr(args, name, value)
    return args


@dataclass(frozen=True)
class Setup:
    """Where a run works: its work dir, the app copy, the baseline build and the fixtures."""

    work: Path
    app_dir: Path
    seed_dir: Path
    fixtures: Path


def main(argv: Sequence[str] | None = None) -> int:
    """Set up, run the rounds and the scaling, then save and print the report."""
    args = parse_args(argv)
    t0 = time.monotonic()
    scale = common.int_list(args.scale)
    work = args.work or Path(tempfile.mkdtemp(prefix="clerk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"work dir {work}")

    setup = _prepare(args, work, need_redis=bool(scale))
    load = _round_load(args)
    kinds = ["ours", "seed"] if args.only == "both" else [args.only]
    report = _new_report(args, load)
    stack = contextlib.ExitStack()
    rounds_redis = _start_rounds_redis(stack, args, kinds, work)
    try:
        _run_rounds(args, setup, load, kinds, rounds_redis, report)
        if args.ceiling_events and "ours" in kinds:
            _run_ceiling(args, setup, report)
        if scale and "ours" in kinds:
            _run_scaling(args, setup, scale, report)
    finally:
        stack.close()
        report["elapsed_s"] = round(time.monotonic() - t0, 1)
        (work / "report.json").write_text(json.dumps(report, indent=2))

    _write_results(report, work, remove_work=not args.keep and args.work is None)
    return 0


def _prepare(args: argparse.Namespace, work: Path, *, need_redis: bool) -> Setup:
    """Check the tools, build the baseline, copy (and patch) the app, generate the fixtures."""
    common.ensure_system_tools(need_redis=need_redis)
    common.ensure_app_requirements(args.app_src)
    seed_dir = common.ensure_seed_build()
    app_dir = common.copy_app(args.app_src, work / "app")
    for patch in args.patch:
        common.apply_patch(app_dir, patch)
    fixtures = work / "fixtures"
    common.fixture_env(fixtures)  # generate once: every round and target trusts the same keys
    return Setup(work=work, app_dir=app_dir, seed_dir=seed_dir, fixtures=fixtures)


def _round_load(args: argparse.Namespace) -> Load:
    """The harness load of each alternating round."""
    return Load(
        users=args.users,
        warmup_users=args.warmup_users,
        route_users=args.route_users,
        concurrency=args.concurrency,
        duration=args.duration,
        warmup=args.warmup,
    )


def _scale_load(args: argparse.Namespace) -> Load:
    """The harness load of each step of the scaling table."""
    return Load(
        users=args.scale_users,
        warmup_users=min(100, args.warmup_users),
        route_users=args.route_users,
        concurrency=args.concurrency,
        duration=args.scale_duration,
        warmup=min(2, args.warmup),
    )


def _new_report(args: argparse.Namespace, load: Load) -> Result:
    """The report before any round: the load, the settings and the command line."""
    return {
        "load": asdict(load),
        "workers": args.workers,
        "rounds": [],
        "tokbench": [],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv[1:],
        "patches": [str(p) for p in args.patch],
    }


def _start_rounds_redis(
    stack: contextlib.ExitStack[bool | None],
    args: argparse.Namespace,
    kinds: list[str],
    work: Path,
) -> str | None:
    """A Redis for the rounds when ours runs several workers (its URL), kept open by stack."""
    if not (args.workers and args.workers > 1 and "ours" in kinds):
        return None
    # Multi-worker Reflex keeps its state in Redis; without it each worker has its own.
    redis_server = stack.enter_context(common.running(common.start_redis(work)))
    return f"redis://127.0.0.1:{redis_server.port}"


def _bench_in(
    setup: Setup, kind: str, label: str, load: Load, *, workers: int | None, redis_url: str | None
) -> Result:
    """bench_target with this run's directories."""
    return bench_target(
        kind,
        label,
        work=setup.work,
        app_dir=setup.app_dir,
        seed_dir=setup.seed_dir,
        fixtures=setup.fixtures,
        load=load,
        workers=workers,
        redis_url=redis_url,
    )


def _run_rounds(
    args: argparse.Namespace,
    setup: Setup,
    load: Load,
    kinds: list[str],
    redis_url: str | None,
    report: Result,
) -> None:
    """The alternating rounds, each followed by a token bench, appended to the report."""
    for i in range(1, args.rounds + 1):
        order = kinds if i % 2 else kinds[::-1]
        entry: Result = {"order": order}
        for kind in order:
            entry[kind] = _bench_in(
                setup, kind, f"r{i}-{kind}", load, workers=args.workers, redis_url=redis_url
            )
        log(f"round {i}: token verification bench")
        entry_tok = tokbench(
            setup.work,
            setup.app_dir,
            setup.seed_dir,
            setup.fixtures,
            n=args.tok_n,
            repeats=args.tok_repeats,
            stream_users=args.route_users,
            stream_calls=max(args.tok_n * 4, 1000),
        )
        report["tokbench"].append(entry_tok)
        report["rounds"].append(entry)


def _run_ceiling(args: argparse.Namespace, setup: Setup, report: Result) -> None:
    """bench/db_ceiling.py on the app copy's flush: batches of 8 and 16, one in flight."""
    log("the database's own ceiling for our flush (bench/db_ceiling.py)")
    result = subprocess.run(
        [
            common.PYTHON,
            str(common.BENCH / "db_ceiling.py"),
            "--app-dir",
            str(setup.app_dir),
            "--events",
            str(args.ceiling_events),
            "--batches",
            "8,16",
            "--in-flight",
            "1",
            "--json",
        ],
        cwd=setup.work,
        check=True,
        capture_output=True,
        text=True,
    )
    report["db_ceiling_events"] = args.ceiling_events
    report["db_ceiling"] = json.loads(result.stdout)


def _run_scaling(args: argparse.Namespace, setup: Setup, scale: list[int], report: Result) -> None:
    """Ours at each worker count in scale, sharing one Redis, recorded in the report."""
    load = _scale_load(args)
    report["scale_load"] = asdict(load)
    report["scale"] = []
    redis = common.start_redis(setup.work)
    with common.running(redis):
        for w in scale:
            result = _bench_in(
                setup,
                "ours",
                f"scale-w{w}",
                load,
                workers=w,
                redis_url=f"redis://127.0.0.1:{redis.port}",
            )
            report["scale"].append({"workers": w, "result": result})


def _write_results(report: Result, work: Path, *, remove_work: bool) -> None:
    """Render the table, copy report and table to bench/results, print them, tidy up."""
    table = render(report)
    (work / "table.md").write_text(table + "\n")
    latest = common.BENCH / "results"
    latest.mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "report.json", latest / "report.json")
    shutil.copy(work / "table.md", latest / "table.md")
    print(table)
    print(f"\n(elapsed {report['elapsed_s']} s; raw JSON: {latest / 'report.json'})")
    if remove_work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
