"""Which server runs the backend: uvicorn workers under gunicorn, set through Reflex's variables.

Reflex 0.10 serves with Granian unless `REFLEX_USE_GRANIAN=false`; then `reflex run` uses
uvicorn (dev) or gunicorn with uvicorn workers (`--env prod`), and its gunicorn command puts
`GUNICORN_CMD_ARGS` last, so the worker class given there wins over Reflex's h11 worker.

Why not Granian: its Rust threads hand every websocket message to Python across threads; uvicorn
does it all on one. On the UI path it needs a third of the memory per idle socket, and less CPU
per color load in most paired runs (`bench/RESULTS.md`). Either is one variable away:
`REFLEX_USE_GRANIAN=true`.

Worker processes come from gunicorn's `WEB_CONCURRENCY` (default 1): Reflex's own worker count
reaches gunicorn as `--threads`, which uvicorn workers ignore.

Reflex runs gunicorn to completion and drops its exit status; `exit_with_server_status` passes it
on, so a supervisor restarts a backend whose server gave up.
"""

from __future__ import annotations

import functools
import itertools
import os
import shlex
import sys
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any

WORKER_CLASS = "clerk_fullstack.server.worker.LimitedUvicornWorker"
"""uvicorn's gunicorn worker (uvloop, httptools, websockets; `uvicorn.workers` is deprecated),
with a connection limit, a request-head deadline and a head-size cap (`worker.py`)."""

GUNICORN_CONFIG = "python:clerk_fullstack.server.gunicorn_conf"
"""gunicorn's hooks for the backend (freezes the preloaded heap before forking workers)."""

_WORKER_CLASS_FLAGS = ("-k", "--worker-class")
_SERVER_MODULES = ("gunicorn", "uvicorn")
"""What Reflex's prod backend runs as `python -m …`: gunicorn, or uvicorn on Windows."""


def has_worker_class(gunicorn_args: str) -> bool:
    """Whether `GUNICORN_CMD_ARGS` already names a worker class (then it is left alone)."""
    return any(
        arg in _WORKER_CLASS_FLAGS or arg.startswith(("--worker-class=", "-k="))
        for arg in shlex.split(gunicorn_args)
    )


def keep_on_import_path(project_root: Path) -> None:
    """Keep the project importable by the dev server's reload worker.

    Reflex puts the project on `sys.path` only while it imports `rxconfig.py`, and uvicorn's
    reloader spawns its worker with the parent's `sys.path`: without this, that worker cannot
    import `clerk_fullstack` (gunicorn, in prod, runs as `python -m` from the project). The
    entry is appended even when the path is there already: that one is Reflex's, removed soon.
    """
    sys.path.append(str(project_root))


def use_uvicorn_workers(environ: MutableMapping[str, str] | None = None) -> None:
    """Point `reflex run` at uvicorn workers, keeping whatever the environment already says."""
    env = os.environ if environ is None else environ
    env.setdefault("REFLEX_USE_GRANIAN", "false")
    args = env.get("GUNICORN_CMD_ARGS", "")
    if not has_worker_class(args):
        # Ours first: the variable's own options come later on the command line, and win.
        env["GUNICORN_CMD_ARGS"] = (
            f"--worker-class {WORKER_CLASS} --config {GUNICORN_CONFIG} {args}".strip()
        )


def run_mode(argv: Sequence[str]) -> str | None:
    """The mode (`dev`, `prod`, `preview`) a `reflex run` command line serves the backend in, or
    None when the command serves no backend (`reflex export`, `run --frontend-only`, ...).

    Reflex starts gunicorn as a child process and drops its exit status, so a configuration
    error found there would end `reflex run --env prod` with status 0 and no restart by a
    supervisor. `rxconfig.py` therefore checks the settings first, in the CLI process, for
    the mode read here (Reflex sets `REFLEX_ENV_MODE` only after it has loaded the config).
    """
    args = [arg for arg in argv[1:] if arg]
    commands = [arg for arg in args if not arg.startswith("-")]
    if not commands or commands[0] != "run" or "--frontend-only" in args:
        return None
    for i, arg in enumerate(args):
        if arg == "--env" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--env="):
            return arg.split("=", 1)[1]
    return "dev"


def is_server_command(args: object) -> bool:
    """Whether a command Reflex launches is its prod server (`python -m gunicorn …`)."""
    if not isinstance(args, list | tuple):
        return False
    parts = [str(arg) for arg in args]
    return any(
        flag == "-m" and module in _SERVER_MODULES for flag, module in itertools.pairwise(parts)
    )


def exit_status(returncode: int) -> int:
    """The shell's status for a child's return code: as is, or 128 + N after signal N."""
    return returncode if returncode >= 0 else 128 - returncode


def exit_with_server_status() -> None:
    """Make this `reflex run` exit with its server's status when the server fails.

    Reflex launches gunicorn through `reflex.utils.processes.new_process(..., run=True)` and
    ignores the result, so `reflex run --env prod` ended with 0 when gunicorn halted (a worker
    that could not boot) or its master was killed (the OOM killer), and `Restart=on-failure` did
    nothing. The launcher is wrapped, for the server command only: a non-zero status becomes
    this process's own (`SystemExit`), after a line on stderr saying so.
    """
    from reflex.utils import processes

    launch = processes.new_process
    if getattr(launch, "passes_server_status", False):
        return

    @functools.wraps(launch)
    def new_process(args: Any, run: bool = False, show_logs: bool = False, **kwargs: Any) -> Any:
        result = launch(args, run, show_logs, **kwargs)  # type: ignore[call-overload]
        if run and is_server_command(args) and result.returncode != 0:
            status = exit_status(result.returncode)
            print(f"The backend server exited with status {status}.", file=sys.stderr)
            raise SystemExit(status)
        return result

    new_process.passes_server_status = True  # type: ignore[attr-defined]
    processes.new_process = new_process
