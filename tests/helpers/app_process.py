"""`reflex run` as outside tooling starts it: the backend alone, or the whole app, on loopback.

One class for every backend or app a test starts, configured by environment variables alone
(built by `app_environment`, so nothing leaks in from this process), in its own process group.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests.helpers.environment import app_environment
from tests.helpers.mongo import uri_for
from tests.helpers.ports import free_port
from tests.helpers.processes import answers
from tests.helpers.project import ROOT

REFLEX = Path(sys.executable).parent / "reflex"
"""The venv's `reflex` command."""
BACKEND_START_SECONDS = 180.0
APP_START_SECONDS = 600.0
"""The whole app compiles its frontend first (with `npm install` in a fresh copy)."""


class AppProcess:
    """`reflex run` in its own process group, its output (both streams) in `log`.

    Without `frontend_port`, the backend alone on `port` (`--backend-only`, bound to loopback);
    with `frontend_port == port`, the whole app on one port (`--single-port`, prod only); with
    another `frontend_port`, the whole app on two ports. `cwd` is the project (or a copy of it),
    `open_files` lowers the soft open-file limit the command and its workers run with.
    """

    def __init__(
        self,
        port: int,
        settings: Mapping[str, str],
        log: Path,
        *,
        mode: str = "prod",
        frontend_port: int | None = None,
        cwd: Path = ROOT,
        open_files: int | None = None,
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        """The backend's URL."""
        self.mode = mode
        self.frontend_port = frontend_port
        self.cwd = cwd
        self.open_files = open_files
        self.log = log
        self.env = app_environment(settings)
        """The whole environment the command runs with."""
        self.process: subprocess.Popen[bytes] | None = None
        self._started = False

    @property
    def pid(self) -> int:
        """The group leader's PID (also the process group id)."""
        assert self.process is not None
        return self.process.pid

    def args(self) -> list[str]:
        """The `reflex run` arguments for this layout."""
        backend = ["--backend-port", str(self.port)]
        if self.frontend_port is None:
            return ["--env", self.mode, "--backend-only", "--backend-host", "127.0.0.1", *backend]
        single = ["--single-port"] if self.frontend_port == self.port else []
        return ["--env", self.mode, *single, "--frontend-port", str(self.frontend_port), *backend]

    def start(self, *until: str, timeout: float | None = None) -> None:
        """Start, and wait until every one of `until` answers 200 (by default `/ping`).

        Each is a path on the backend or a whole URL (the frontend's). The log starts empty at
        the first start and goes on across restarts. Raises if the command exits meanwhile (the
        process is kept, to read its status) or does not answer in time (it is stopped).
        """
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab" if self._started else "wb") as out:
            self.process = subprocess.Popen(
                [str(REFLEX), "run", *self.args()],
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=None if self.open_files is None else self._limit_open_files,
            )
        self._started = True
        urls = [url if "://" in url else f"{self.url}{url}" for url in until or ["/ping"]]
        default = BACKEND_START_SECONDS if self.frontend_port is None else APP_START_SECONDS
        deadline = time.monotonic() + (default if timeout is None else timeout)
        while not all(answers(url) for url in urls):
            if self.process.poll() is not None:
                self._signal_group(signal.SIGKILL)  # what the command left behind
                raise RuntimeError(f"reflex run exited: {self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"reflex run did not answer {urls}: {self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self) -> str:
        """The end of the log, for an error message."""
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL the whole process group at once: a crashed host, no clean shutdown."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """SIGTERM the process group (Reflex, gunicorn and its workers, Node), SIGKILL what
        lingers."""
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.process = None

    def _signal_group(self, signum: signal.Signals) -> None:
        """Send `signum` to every process left in the group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signum)

    def _limit_open_files(self) -> None:
        """In the child, before `exec`: the soft RLIMIT_NOFILE (the hard limit stays)."""
        assert self.open_files is not None
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, hard))


@contextlib.contextmanager
def prod_backend(
    settings: Mapping[str, str], mongo_port: int, log_dir: Path, *, open_files: int | None = None
) -> Iterator[AppProcess]:
    """A prod backend on `settings` (less REFLEX_ENV_MODE) and the MongoDB on `mongo_port`."""
    env = {**settings, "MONGO_URI": uri_for(mongo_port), "MONGO_TIMEOUT_MS": "1000"}
    env.pop("REFLEX_ENV_MODE")
    process = AppProcess(free_port(), env, log_dir / "backend.log", open_files=open_files)
    process.start()
    try:
        yield process
    finally:
        process.stop()
