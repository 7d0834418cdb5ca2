# Copied from ../shared/baseline/bench/run.py (baseline harness).
# Changes: ruff format/lint fixes only, unless a '# bench:' comment says otherwise.
"""Target-agnostic benchmark for the 'Clerk webhook -> Mongo users -> protected route' contract.

Phase 1 (ingest): N signed Clerk `user.created` webhooks, each sent exactly once, at the
given concurrency, by wrk (Lua script cycles through precomputed raw requests).
Afterwards the Mongo collection is counted: lost = N - distinct ids found,
duplicates = docs found - distinct ids found.

Phase 2 (protected route): Clerk-shaped RS256 session tokens for up to 200 of the
ingested users; GET <route> with `Authorization: Bearer <token>` for --duration seconds.

For each phase the target's CPU time (utime+stime of --pid and all its live descendants,
plus cutime+cstime of those) is read from /proc before/after -> app CPU us per request.

Prints one JSON object on stdout (progress goes to stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import keys as keymod  # noqa: E402
import tokens as tokmod  # noqa: E402
import webhooks as whmod  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print("[run.py]", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc CPU accounting
def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    # fields after "(comm)": rest[0]=state(3) rest[1]=ppid(4) ... rest[11]=utime(14)
    return s[s.rindex(")") + 2 :].split()


def _children_map() -> dict[int, list[int]]:
    m: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        f = _stat_fields(int(d))
        if f is None:
            continue
        m.setdefault(int(f[1]), []).append(int(d))
    return m


def tree_pids(pid: int) -> list[int]:
    cm = _children_map()
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(cm.get(p, []))
    return out


def cpu_seconds(pid: int | None) -> float | None:
    """utime+stime(+cutime+cstime) of pid and all live descendants, in seconds."""
    if not pid:
        return None
    total = 0
    found = False
    for p in tree_pids(pid):
        f = _stat_fields(p)
        if f is None:
            continue
        found = True
        total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return total / CLK_TCK if found else None


def system_cpu() -> tuple[float, float]:
    """(busy_ticks, total_ticks) over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    total = sum(v[:8])
    return total - idle, total


class CpuWindow:
    def __init__(self, app_pid, db_pid):
        self.app_pid, self.db_pid = app_pid, db_pid

    def __enter__(self):
        self.t0 = time.monotonic()
        self.app0 = cpu_seconds(self.app_pid)
        self.db0 = cpu_seconds(self.db_pid)
        self.sys0 = system_cpu()
        self.self0 = os.times()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        app1 = cpu_seconds(self.app_pid)
        db1 = cpu_seconds(self.db_pid)
        sys1 = system_cpu()
        self1 = os.times()
        self.app = (app1 - self.app0) if (app1 is not None and self.app0 is not None) else None
        self.db = (db1 - self.db0) if (db1 is not None and self.db0 is not None) else None
        busy = sys1[0] - self.sys0[0]
        tot = sys1[1] - self.sys0[1]
        self.machine_busy_pct = round(100.0 * busy / tot, 1) if tot else None
        # wrk is our child: its CPU shows up in children_user/children_system
        self.loadgen = (self1.children_user - self.self0.children_user) + (
            self1.children_system - self.self0.children_system
        )
        return False

    def report(self, n_requests: int) -> dict:
        def per(x):
            return round(x * 1e6 / n_requests, 1) if (x is not None and n_requests) else None

        return {
            "window_s": round(self.wall, 3),
            "app_cpu_s": None if self.app is None else round(self.app, 3),
            "app_cpu_us_per_req": per(self.app),
            "db_cpu_s": None if self.db is None else round(self.db, 3),
            "db_cpu_us_per_req": per(self.db),
            "loadgen_cpu_s": round(self.loadgen, 3),
            "machine_busy_pct": self.machine_busy_pct,
        }


# ---------------------------------------------------------------- raw request building
def raw_request(method: str, path: str, host: str, headers: dict, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for k, v in headers.items():
        lines.append(f"{k}: {v}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def write_requests(path: Path, reqs: list[bytes]) -> None:
    with open(path, "wb") as f:
        for r in reqs:
            f.write(str(len(r)).encode() + b"\n" + r)


def run_wrk_ingest(
    script: Path,
    url: str,
    args: list[str],
    *,
    threads: int,
    conns: int,
    max_s: int,
    stall_s: float,
    timeout_s: int = 30,
) -> dict:
    """Run ingest.lua; time FIRST..last DONE; SIGINT wrk once every thread is DONE
    (or when no progress line arrives for stall_s, or after max_s)."""
    import select
    import signal

    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(conns),
        "-d",
        f"{max_s}s",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(script),
        url,
        "--",
        *args,
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t_first = t_done = None
    dones, out, buf = 0, [], b""
    last_progress = time.monotonic()
    stalled = signalled = False
    fd = p.stdout.fileno()
    while True:
        r, _, _ = select.select([fd], [], [], 1.0)
        now = time.monotonic()
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                s = line.decode(errors="replace")
                if s == "FIRST":
                    t_first = t_first or now
                    last_progress = now
                elif s.startswith("P "):
                    last_progress = now
                elif s == "DONE":
                    dones += 1
                    last_progress = now
                    if dones == threads:
                        t_done = now
                        p.send_signal(signal.SIGINT)
                        signalled = True
                else:
                    out.append(s)
        elif not signalled and now - last_progress > stall_s:
            stalled = True
            p.send_signal(signal.SIGINT)
            signalled = True
    p.wait()
    err = p.stderr.read().decode(errors="replace")
    line = next((ln for ln in out if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(
            f"wrk failed rc={p.returncode}\nstdout:\n{chr(10).join(out)}\nstderr:\n{err}"
        )
    res = json.loads(line[len("BENCH_JSON ") :])
    res["stalled"] = stalled
    if t_first is not None and t_done is not None:
        res["duration_us"] = int((t_done - t_first) * 1e6)
    return res


def run_wrk(
    script: Path,
    url: str,
    args: list[str],
    *,
    threads: int,
    conns: int,
    duration_s: int,
    timeout_s: int = 30,
) -> dict:
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(conns),
        "-d",
        f"{duration_s}s",
        "--timeout",
        f"{timeout_s}s",
        "-s",
        str(script),
        url,
        "--",
        *args,
    ]
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if p.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed rc={p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        )
    return json.loads(line[len("BENCH_JSON ") :])


# ---------------------------------------------------------------- phases
def build_ingest(
    n: int, fx: dict, host: str, path: str, rnd: random.Random
) -> tuple[list[str], list[bytes]]:
    ids, reqs = [], []
    secret = fx["webhook_secret"]
    for _ in range(n):
        uid = whmod.clerk_id("user")
        data = whmod.user_data(uid, rnd=rnd)
        body, hdrs = whmod.signed_event(secret, "user.created", data)
        hdrs = {
            "User-Agent": "Svix-Webhooks/1.24.0",
            "Accept": "*/*",
            "Content-Type": "application/json",
            "svix-id": hdrs["svix-id"],
            "svix-timestamp": hdrs["svix-timestamp"],
            "svix-signature": hdrs["svix-signature"],
        }
        ids.append(uid)
        reqs.append(raw_request("POST", path, host, hdrs, body))
    return ids, reqs


def ingest(args, fx, host, workdir: Path, n: int, label: str, rnd) -> tuple[dict, list[str]]:
    ids, reqs = build_ingest(n, fx, host, args.webhook_path, rnd)
    f = workdir / f"{label}.reqs"
    write_requests(f, reqs)
    threads = max(1, min(args.wrk_threads, args.concurrency, n))
    log(f"{label}: sending {n} signed user.created webhooks, concurrency {args.concurrency}")
    # bench: the measured window's bounds on stderr, so bench/profile.py records only it.
    log(f"window start {label}")
    with CpuWindow(args.pid, args.db_pid) as cw:
        w = run_wrk_ingest(
            HERE / "lua" / "ingest.lua",
            args.base_url,
            [str(f), str(threads)],
            threads=threads,
            conns=args.concurrency,
            max_s=args.ingest_max_s,
            stall_s=args.stall_s,
        )
    log(f"window end {label}")  # bench: before the count (count_in_mongo), which is not measured
    dur = w["duration_us"] / 1e6
    res = {
        "events": n,
        "responses": w["responses"],
        "duration_s": round(dur, 3),
        "events_per_s": round(w["responses"] / dur, 1) if dur else None,
        "non_2xx": w["responses"] - w["ok"],
        "status": {
            "2xx": w["ok"],
            "3xx": w["s3xx"],
            "4xx": w["s4xx"],
            "5xx": w["s5xx"],
            "other": w["other"],
        },
        "not_answered": n - w["responses"],
        "stalled": w["stalled"],
        "socket_errors": {
            k[4:]: w[k] for k in ("err_connect", "err_read", "err_write", "err_timeout")
        },
        "latency_ms": {
            "mean": round(w["lat_mean_us"] / 1e3, 2),
            "p50": w["lat_p50_us"] / 1e3,
            "p90": w["lat_p90_us"] / 1e3,
            "p99": w["lat_p99_us"] / 1e3,
            "max": w["lat_max_us"] / 1e3,
        },
        "cpu": cw.report(n),
    }
    return res, ids


def count_in_mongo(args, ids: list[str]) -> dict:
    from pymongo import MongoClient

    cli = MongoClient(args.mongo_uri, serverSelectionTimeoutMS=10000)
    coll = cli[args.db][args.collection]
    t0 = time.monotonic()
    first = None
    while True:
        docs = list(coll.find({args.id_field: {"$in": ids}}, {args.id_field: 1, "_id": 0}))
        found_ids = [d.get(args.id_field) for d in docs]
        distinct = len(set(found_ids))
        if first is None:
            first = distinct
        if distinct >= len(ids) or time.monotonic() - t0 >= args.settle_s:
            break
        time.sleep(0.5)
    cli.close()
    return {
        "found_distinct": distinct,
        "found_docs": len(found_ids),
        "found_immediately": first,
        "lost": len(ids) - distinct,
        "duplicates": len(found_ids) - distinct,
        "settle_wait_s": round(time.monotonic() - t0, 2),
        "_found": set(found_ids),
    }


def route(args, fx, host, workdir: Path, users: list[str]) -> dict:
    # bench: load the private key once; PyJWT re-parses (and re-validates) a PEM string on
    # every encode, ~45 ms per token with cryptography 50, which made setup take ~10 s.
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    priv = load_pem_private_key(fx["jwt_private_pem"].encode(), password=None)
    kid = fx["kid"]
    reqs = []
    for uid in users:
        tok = tokmod.mint(priv, kid, uid, ttl=args.token_ttl)
        reqs.append(
            raw_request(
                "GET",
                args.route_path,
                host,
                {
                    "Accept": "application/json, text/plain, */*",
                    "Authorization": f"Bearer {tok}",
                    "User-Agent": "bench/1",
                },
            )
        )
    f = workdir / "route.reqs"
    write_requests(f, reqs)
    threads = max(1, min(args.wrk_threads, args.concurrency))
    if args.warmup > 0:
        log(f"route: warm-up {args.warmup}s")
        run_wrk(
            HERE / "lua" / "cycle.lua",
            args.base_url,
            [str(f)],
            threads=threads,
            conns=args.concurrency,
            duration_s=args.warmup,
        )
    log(f"route: {len(users)} tokens, {args.duration}s at concurrency {args.concurrency}")
    log("window start route")  # bench: see ingest()
    with CpuWindow(args.pid, args.db_pid) as cw:
        w = run_wrk(
            HERE / "lua" / "cycle.lua",
            args.base_url,
            [str(f)],
            threads=threads,
            conns=args.concurrency,
            duration_s=args.duration,
        )
    log("window end route")  # bench: see ingest()
    dur = w["duration_us"] / 1e6
    return {
        "users_with_tokens": len(users),
        "requests": w["responses"],
        "duration_s": round(dur, 3),
        "requests_per_s": round(w["responses"] / dur, 1) if dur else None,
        "non_2xx": w["responses"] - w["ok"],
        "status": {
            "2xx": w["ok"],
            "3xx": w["s3xx"],
            "4xx": w["s4xx"],
            "5xx": w["s5xx"],
            "other": w["other"],
        },
        "socket_errors": {
            k[4:]: w[k] for k in ("err_connect", "err_read", "err_write", "err_timeout")
        },
        "latency_ms": {
            "mean": round(w["lat_mean_us"] / 1e3, 3),
            "p50": w["lat_p50_us"] / 1e3,
            "p90": w["lat_p90_us"] / 1e3,
            "p99": w["lat_p99_us"] / 1e3,
            "max": w["lat_max_us"] / 1e3,
        },
        "cpu": cw.report(w["responses"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:4000")
    ap.add_argument("--webhook-path", default="/webhooks")
    ap.add_argument("--route-path", default="/user/favoriteColor")
    ap.add_argument("--mongo-uri", required=True)
    ap.add_argument("--db", default="auth")
    ap.add_argument("--collection", default="users")
    ap.add_argument("--id-field", default="clerkUserId")
    ap.add_argument(
        "--pid", type=int, required=True, help="target server PID (its process tree is measured)"
    )
    ap.add_argument(
        "--db-pid", type=int, default=None, help="optional: database server PID, CPU reported too"
    )
    ap.add_argument(
        "--fixtures",
        type=Path,
        default=HERE / ".fixtures",
        help="dir from keys.py (must match the server's secrets); created if missing",
    )
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--route-users", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3, help="route warm-up seconds (not measured)")
    ap.add_argument(
        "--warmup-users",
        type=int,
        default=200,
        help="extra user.created events sent before the measured ingest (not measured)",
    )
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--ingest-max-s", type=int, default=600, help="wrk -d cap for the ingest phase")
    ap.add_argument(
        "--stall-s",
        type=float,
        default=30.0,
        help="abort ingest if no 100-response progress mark arrives for this long",
    )
    ap.add_argument(
        "--settle-s", type=float, default=5.0, help="max wait for async writers before counting"
    )
    ap.add_argument("--token-ttl", type=int, default=600)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--skip-route", action="store_true")
    args = ap.parse_args()

    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")
    rnd = random.Random(args.seed)
    fx = keymod.load_or_generate(args.fixtures)
    u = urlsplit(args.base_url)
    host = u.netloc
    out: dict = {
        "target": args.base_url,
        "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()},
        "config": {
            k: getattr(args, k)
            for k in (
                "users",
                "route_users",
                "concurrency",
                "duration",
                "warmup",
                "warmup_users",
                "wrk_threads",
                "webhook_path",
                "route_path",
                "db",
                "collection",
                "id_field",
            )
        },
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as td:
        wd = Path(td)
        if args.warmup_users > 0:
            wres, _wids = ingest(args, fx, host, wd, args.warmup_users, "warmup", rnd)
            out["ingest_warmup"] = {
                k: wres[k] for k in ("events", "events_per_s", "non_2xx", "duration_s")
            }
        res, ids = ingest(args, fx, host, wd, args.users, "ingest", rnd)
        m = count_in_mongo(args, ids)
        found = m.pop("_found")
        res.update(m)
        out["ingest"] = res
        log(
            f"ingest: {res['events_per_s']} ev/s, non_2xx={res['non_2xx']}, lost={res['lost']}, "
            f"dup={res['duplicates']}, app_cpu={res['cpu']['app_cpu_us_per_req']} us/ev"
        )
        if not args.skip_route:
            users = [i for i in ids if i in found][: args.route_users]
            if not users:
                out["route"] = {
                    "error": "no ingested users found in Mongo; cannot mint tokens for known users"
                }
            else:
                r = route(args, fx, host, wd, users)
                out["route"] = r
                log(
                    f"route: {r['requests_per_s']} req/s, p50={r['latency_ms']['p50']}ms "
                    f"p99={r['latency_ms']['p99']}ms non_2xx={r['non_2xx']} "
                    f"app_cpu={r['cpu']['app_cpu_us_per_req']} us/req"
                )
    out["machine"]["loadavg_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
