"""One compiled frontend per test run, which every app the tests build starts from.

Compiling the app in a fresh copy of the project runs `npm install` (30 to 45 s here). The
first module that needs a frontend exports one (`reflex export --frontend-only --env prod`,
as `tests/test_ui_compile.py` checks it); every other copy starts from its `.web/`, the
packages hard-linked. Reflex then finds its packages installed (its own install cache,
`reflex.install_frontend_packages.cached`, records what was asked for), skips `npm`, and
compiles the pages as it would anyway (`copy_project(..., web=...)`). Under pytest-xdist the
workers share one export, made by whichever asks first.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.helpers.app_process import REFLEX
from tests.helpers.environment import app_environment
from tests.helpers.project import ARTIFACTS, copy_project

EXPORT_SECONDS = 840
DONE = ".exported"
"""Written beside the export's project once it is complete: a failed export is never reused."""


def exported_frontend(shared: Path, settings: Mapping[str, str]) -> Path:
    """The run's exported `.web/` under `shared` (a folder every xdist worker sees): made on
    the first call, under a lock, with `settings`; its log is `test-artifacts/ui-export.log`."""
    shared.mkdir(parents=True, exist_ok=True)
    web = shared / "frontend" / "app" / ".web"
    with (shared / "frontend.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (shared / "frontend" / DONE).exists():
            shutil.rmtree(shared / "frontend", ignore_errors=True)
            project = copy_project(shared / "frontend" / "app")
            export(project, settings)
            (shared / "frontend" / DONE).touch()
    return web


def export(project: Path, settings: Mapping[str, str]) -> None:
    """`reflex export --frontend-only --no-zip --env prod` in `project` (which prerenders)."""
    log = ARTIFACTS / "ui-export.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        result = subprocess.run(
            [str(REFLEX), "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=project,
            env=app_environment(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=EXPORT_SECONDS,
            check=False,
        )
    assert result.returncode == 0, f"reflex export failed; see {log}"
