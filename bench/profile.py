"""Where our backend's CPU goes under the benchmark's load: py-spy, summarized by owner.

    .venv/bin/python bench/profile.py [--phase route|ingest|both] [--app-src DIR] [--patch FILE]

Starts a fresh SecantusDB and our backend (prod mode, as bench/run.py does), records the backend's
process tree with `py-spy record --subprocesses` during one phase's measured window (the
baseline harness's own: not its warm-up, nor its count of the stored users afterwards), and
prints the share of on-CPU samples per owner (PyJWT, pymongo, Starlette, Reflex, ...) and the
top self frames. Also records SecantusDB with py-spy, so its hot spots can be read too.
Collapsed stacks (flamegraph input) stay in the work dir.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import Load, log

OWNERS: list[tuple[str, str]] = [
    ("clerk_fullstack/auth/cache", "app: token cache"),
    ("clerk_fullstack/", "app code"),
    ("/jwt/", "PyJWT"),
    ("/cryptography/", "cryptography (RSA)"),
    ("/svix/", "svix"),
    ("/beanie/", "beanie"),
    ("/pydantic", "pydantic"),
    ("/bson/", "pymongo/bson"),
    ("/pymongo/", "pymongo/bson"),
    ("/starlette/", "starlette"),
    ("/reflex_base/", "reflex"),
    ("/reflex/", "reflex"),
    ("/granian/", "granian"),
    ("/uvicorn/", "uvicorn"),
    ("/websockets/", "uvicorn"),
    ("/gunicorn/", "gunicorn"),
    ("/engineio/", "socket.io"),
    ("/socketio/", "socket.io"),
    ("/asyncio/", "asyncio"),
    ("/click/", "reflex"),
    ("/multiprocessing/", "server (process start)"),
    ("/json/", "json"),
    ("/secantus/", "secantus"),
    ("/logging/", "logging"),
]
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


IDLE_LEAVES = (
    "Selector.select (selectors.py",
    "_recv_exactly (secantus/wire.py",
    "_readable (secantus/server.py",
    "Condition.wait (threading.py",
    "_worker (concurrent/futures/thread.py",
)
"""Leaf frames that are blocking waits (py-spy counts some of them as on-CPU)."""
DETAIL = (
    "clerk_fullstack/",
    "starlette/",
    "pymongo/",
    "bson/",
    "jwt/",
    "svix/",
    "reflex/app.py",
    "secantus/",
)
"""Files whose frames the inclusive table lists (the outer server/event-loop frames are not)."""


def owner_of(path: str) -> str:
    """Which library a source file belongs to."""
    path = "/" + path
    for needle, name in OWNERS:
        if needle in path:
            return name
    return "python stdlib/other"


def summarize(collapsed: Path, top: int = 25) -> str:
    """Owner shares (by innermost frame), top self frames and top inclusive frames.

    Blocking waits (IDLE_LEAVES) are left out, so shares are of the time the process computed.
    """
    by_owner: collections.Counter[str] = collections.Counter()
    by_frame: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = idle = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not count_s.isdigit():
            continue
        count = int(count_s)
        frames = [m for f in stack.split(";") if (m := FRAME.match(f)) is not None]
        if not frames:
            continue
        leaf = frames[-1]
        short = f"{leaf['func']} ({leaf['file']}:{leaf['line']})"
        if any(pattern in short for pattern in IDLE_LEAVES):
            idle += count
            continue
        total += count
        by_owner[owner_of(leaf["file"])] += count
        by_frame[short] += count
        for key in {f"{m['func']} ({m['file']})" for m in frames if m["file"].startswith(DETAIL)}:
            inclusive[key] += count
    if not total:
        return "(no samples)"
    out = [
        f"{total} samples computing ({idle} more in blocking waits, left out)",
        "",
        "| owner (innermost frame) | share |",
        "|---|---:|",
    ]
    out += [f"| {k} | {100 * v / total:.1f}% |" for k, v in by_owner.most_common()]
    out += ["", "| top self frames | share |", "|---|---:|"]
    out += [f"| `{k}` | {100 * v / total:.1f}% |" for k, v in by_frame.most_common(top)]
    out += [
        "",
        "| top inclusive frames (app, starlette, pymongo, PyJWT, svix) | share |",
        "|---|---:|",
    ]
    out += [f"| `{k}` | {100 * v / total:.1f}% |" for k, v in inclusive.most_common(top)]
    return "\n".join(out)


def py_spy() -> str:
    """The py-spy binary, pinned in requirements-dev.txt."""
    found = shutil.which("py-spy", path=str(common.VENV_BIN)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit(
            "py-spy not found: it is pinned in requirements-dev.txt, which ./scripts/test.sh "
            "installs into .venv"
        )
    return found


def record(spy: str, pid: int, out: Path, *, subprocesses: bool) -> subprocess.Popen[bytes]:
    """Start `py-spy record` (the binary `spy`, from `py_spy()`) on pid (raw collapsed stacks,
    on-CPU samples only)."""
    cmd = [
        spy,
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "250",
        "--output",
        str(out),
        "--nonblocking",
    ]
    if subprocesses:
        cmd.append("--subprocesses")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)  # attached before a stop can come (the load goes on meanwhile)
    return proc


def stop_recording(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT makes py-spy write its output and exit."""
    proc.send_signal(2)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def profile_phase(phase: str, work: Path, app_dir: Path, fixtures: Path, load: Load) -> str:
    """One fresh DB + backend, one phase under py-spy; the summaries for app and DB.

    The harness runs its warm-up, the ingest, a count of the stored users (one `find` with every
    id in `$in`, costly on SecantusDB) and the route; py-spy records only the phase's measured
    window, between the harness's `window start <phase>` and `window end <phase>` lines.
    """
    db = common.start_secantus(work, f"prof-{phase}")
    with common.running(db):
        target = common.start_ours(
            work,
            app_dir,
            f"prof-{phase}",
            fixtures=fixtures,
            mongo_uri=f"mongodb://127.0.0.1:{db.port}/",
        )
        with common.running(target):
            app_out, db_out = work / f"app-{phase}.txt", work / f"db-{phase}.txt"
            spy = py_spy()  # found once, before the load starts, not in its window
            recordings: list[subprocess.Popen[bytes]] = []

            def stop_all() -> None:
                while recordings:
                    stop_recording(recordings.pop())

            def window(line: str) -> None:
                if line.endswith(f"window start {phase}"):
                    recordings.append(record(spy, target.pid, app_out, subprocesses=True))
                    recordings.append(record(spy, db.pid, db_out, subprocesses=False))
                elif line.endswith(f"window end {phase}"):
                    stop_all()

            try:
                result = common.run_loadgen(
                    work,
                    f"prof-{phase}",
                    target=target,
                    db=db,
                    fixtures=fixtures,
                    load=load,
                    skip_route=phase == "ingest",
                    on_log=window,
                )
            finally:
                stop_all()
    for out in (app_out, db_out):
        if not out.exists():
            raise SystemExit(f"py-spy wrote no profile for the {phase} window ({out})")
    part = result["ingest"] if phase == "ingest" else result["route"]
    assert isinstance(part, dict)
    rate = part.get("events_per_s", part.get("requests_per_s"))
    head = (
        f"## {phase}: {rate}/s under py-spy (sampling slows it), app CPU "
        f"{part['cpu']['app_cpu_us_per_req']} µs/req, DB CPU {part['cpu']['db_cpu_us_per_req']} "
        f"µs/req"
    )
    return "\n\n".join(
        [head, "### backend", summarize(app_out), "### SecantusDB", summarize(db_out, top=12)]
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--phase", choices=("route", "ingest", "both"), default="both")
    ap.add_argument("--app-src", type=Path, default=common.REPO)
    ap.add_argument(
        "--patch",
        type=Path,
        action="append",
        default=[],
        help="apply this diff to the app copy first (repeatable)",
    )
    ap.add_argument("--users", type=int, default=2000)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="clerk-prof-"))
    common.ensure_system_tools(need_redis=False)
    app_dir = common.copy_app(args.app_src, work / "app")
    for patch in args.patch:
        common.apply_patch(app_dir, patch)
    fixtures = work / "fixtures"
    common.fixture_env(fixtures)
    load = Load(users=args.users, warmup_users=200, duration=args.duration)
    phases = ("ingest", "route") if args.phase == "both" else (args.phase,)
    texts = [profile_phase(p, work, app_dir, fixtures, load) for p in phases]
    text = "\n\n".join(texts)
    (work / "profile.md").write_text(text + "\n")
    print(text)
    log(f"collapsed stacks and logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
