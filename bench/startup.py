"""Startup benchmark: fresh clone → page that answers, then warm start → page that answers.

Runs the README's run command (`./scripts/run.sh`, i.e. venv + uv install, then `reflex run`
with npm install) in a fresh copy of the repository, with no Clerk keys and no MONGO_URI, so
the app comes up on the local Clerk emulator and the embedded MongoDB. It is a measurement,
not a timed test: it prints the figures and never fails on how large they are.

    .venv/bin/python bench/startup.py                 # clone HEAD
    .venv/bin/python bench/startup.py --worktree      # copy the working tree (uncommitted work)
    .venv/bin/python bench/startup.py --cold-caches   # empty pip, uv and npm caches too
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

REPO = Path(__file__).resolve().parent.parent
CLEAN_ENV_DROP = ("CLERK_", "MONGO_", "DATA_DIR", "FRONTEND", "REFLEX_", "VIRTUAL_ENV")
"""Settings a developer's shell may carry; the benchmark starts from none of them."""


def log(*parts: object) -> None:
    """Progress on stderr; the figures go to stdout."""
    print("[startup]", *parts, file=sys.stderr, flush=True)


def answers(url: str) -> bool:
    """Whether GET `url` answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def fresh_copy(target: Path, *, worktree: bool) -> None:
    """A clone of HEAD, or a copy of the tracked and untracked-but-not-ignored files."""
    if not worktree:
        subprocess.run(
            ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)], check=True
        )
        return
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def clean_environment(frontend: str, caches: Path | None) -> dict[str, str]:
    """The caller's environment without app settings; optionally with empty pip, uv and npm
    caches."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEAN_ENV_DROP)}
    # Drop this interpreter's venv from PATH, as on a machine that has only Python.
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["FRONTEND"] = frontend
    if caches is not None:
        env["PIP_CACHE_DIR"] = str(caches / "pip")
        env["UV_CACHE_DIR"] = str(caches / "uv")
        env["npm_config_cache"] = str(caches / "npm")
    return env


@dataclass
class Timing:
    """Seconds from launching the run command until each milestone."""

    setup: float | None
    """Until `bootstrap.sh` finished installing requirements (fresh start only)."""
    page: float
    """Until GET / on the frontend answered 200."""
    backend: float
    """Until the backend's health route answered 200."""


def start_and_time(
    project: Path,
    env: dict[str, str],
    frontend_port: int,
    backend_port: int,
    timeout: float,
    log_file: Path,
) -> tuple[Timing, subprocess.Popen[bytes]]:
    """Launch `scripts/run.sh` and time it until the page and the backend answer."""
    stamps_before = set(project.glob(".venv/.installed-*"))
    started = time.monotonic()
    with log_file.open("ab") as output:
        process = subprocess.Popen(
            [
                "./scripts/run.sh",
                "--frontend-port",
                str(frontend_port),
                "--backend-port",
                str(backend_port),
            ],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    setup = page = backend = None
    try:
        while page is None or backend is None:
            elapsed = time.monotonic() - started
            if process.poll() is not None:
                raise RuntimeError(f"the run command exited early; see {log_file}")
            if elapsed > timeout:
                raise RuntimeError(f"nothing answered within {timeout:.0f} s; see {log_file}")
            if setup is None and set(project.glob(".venv/.installed-*")) - stamps_before:
                setup = elapsed
            if page is None and answers(f"http://localhost:{frontend_port}/"):
                page = elapsed
                log(f"page answered after {page:.1f} s")
            if backend is None and answers(f"http://127.0.0.1:{backend_port}/api/health"):
                backend = elapsed
            time.sleep(0.2)
    except BaseException:  # an early exit, the timeout, Ctrl-C or SIGTERM: nothing is left running
        stop(process, project)
        raise
    return Timing(setup=setup, page=page, backend=backend), process


def stop(process: subprocess.Popen[bytes], project: Path) -> None:
    """End the run command and everything it started, including the embedded database.

    The database runs in a session of its own (it outlives hot reloads), so it is found by its
    interpreter, which lives in this clone's venv and so belongs to this benchmark alone.
    """
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    clone_python = str(project / ".venv" / "bin")
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv0 = (proc / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        if argv0.startswith(clone_python):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGTERM)
                wait_gone(int(proc.name))


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    """Wait until process `pid` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)


def main() -> int:
    """Measure both starts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--worktree", action="store_true", help="copy the working tree instead of cloning HEAD"
    )
    parser.add_argument(
        "--cold-caches",
        action="store_true",
        help="use empty pip, uv and npm caches (downloads everything)",
    )
    parser.add_argument("--frontend-port", type=int, default=8230)
    parser.add_argument("--backend-port", type=int, default=8231)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    args = parser.parse_args()
    common.exit_on_sigterm()  # so that `stop` runs, and the clone's processes end, on SIGTERM too

    workdir = Path(tempfile.mkdtemp(prefix="clerk-startup-"))
    project = workdir / "clerk_fullstack"
    log_file = workdir / "run.log"
    caches = workdir / "caches" if args.cold_caches else None
    env = clean_environment(f"http://localhost:{args.frontend_port}", caches)
    try:
        log("copying" if args.worktree else "cloning", REPO, "to", project)
        project.mkdir(parents=True)
        fresh_copy(project, worktree=args.worktree)
        log("fresh start: ./scripts/run.sh (log:", log_file, ")")
        fresh, process = start_and_time(
            project, env, args.frontend_port, args.backend_port, args.timeout, log_file
        )
        stop(process, project)
        log("warm start: ./scripts/run.sh again")
        warm, process = start_and_time(
            project, env, args.frontend_port, args.backend_port, args.timeout, log_file
        )
        stop(process, project)
    finally:
        if args.keep:
            log("kept", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    source = "working tree" if args.worktree else "clone of HEAD"
    print(f"Startup ({source}; {'cold' if args.cold_caches else 'warm'} pip/uv/npm caches)")
    setup = f" (venv + install: {fresh.setup:.1f} s)" if fresh.setup is not None else ""
    print(f"  fresh clone -> page answers: {fresh.page:6.1f} s{setup}")
    print(f"  warm start  -> page answers: {warm.page:6.1f} s")
    print(f"  (backend health answered at {fresh.backend:.1f} s fresh, {warm.backend:.1f} s warm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
