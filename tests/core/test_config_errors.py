"""Every `reflex` command refuses a bad configuration with one clear message and no traceback.

Real `reflex` processes, environment variables only; `reflex export --frontend-only` needs only
what the frontend needs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import COMMAND_ENV
from tests.helpers.app_process import REFLEX
from tests.helpers.environment import app_environment
from tests.helpers.ports import free_port
from tests.helpers.project import ROOT, copy_project

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


def reflex(args: list[str], settings: Mapping[str, str], cwd: Path = ROOT) -> tuple[int, str]:
    """Run `reflex <args>`; its exit code and everything it printed."""
    result = subprocess.run(
        [str(REFLEX), *args],
        cwd=cwd,
        env=app_environment(settings),
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout + result.stderr


def backend_only(mode: str) -> list[str]:
    port = str(free_port())
    return ["run", "--env", mode, "--backend-only", "--backend-port", port]


def assert_refused(code: int, output: str, message: str) -> None:
    assert code != 0, output
    assert message in output, output
    assert "Traceback" not in output, output


# Prod only: with `--env preview --backend-only` Reflex's parent process keeps running after
# its backend worker exits, so the command never ends (preview is covered in test_settings).
def test_backend_without_mongo_uri_outside_dev() -> None:
    code, output = reflex(backend_only("prod"), COMMAND_ENV)
    assert_refused(code, output, "MONGO_URI: outside dev mode (REFLEX_ENV_MODE=prod)")


def test_several_workers_without_redis() -> None:
    settings = {**COMMAND_ENV, "MONGO_URI": "mongodb://127.0.0.1:9/", "WEB_CONCURRENCY": "3"}
    code, output = reflex(backend_only("prod"), settings)
    assert_refused(code, output, "WEB_CONCURRENCY=3: more than one worker needs REFLEX_REDIS_URL")


def test_prod_with_nothing_configured_refuses_the_emulator() -> None:
    code, output = reflex(backend_only("prod"), {"ALLOW_EMBEDDED_MONGO": "1"})
    assert_refused(code, output, "CLERK_MODE: the local Clerk emulator is for development only")


def test_a_malformed_key_fails_every_command_cleanly() -> None:
    bad = {**COMMAND_ENV, "CLERK_PUBLISHABLE_KEY": "pk_test_%%%"}
    for args in (backend_only("prod"), ["export", "--frontend-only", "--no-zip"]):
        code, output = reflex(args, bad)
        assert_refused(code, output, "CLERK_PUBLISHABLE_KEY the part after")


def test_only_a_secret_key_names_the_publishable_key() -> None:
    code, output = reflex(backend_only("dev"), {"CLERK_SECRET_KEY": "sk_test_only"})
    assert_refused(code, output, "CLERK_PUBLISHABLE_KEY: needed whenever")


def test_frontend_export_needs_only_the_publishable_key(
    tmp_path: Path, compiled_frontend: Path
) -> None:
    project = copy_project(tmp_path / "app", web=compiled_frontend)
    settings = {
        "CLERK_MODE": "clerk",
        "CLERK_PUBLISHABLE_KEY": COMMAND_ENV["CLERK_PUBLISHABLE_KEY"],
        "REFLEX_API_URL": "https://api.example.com",
    }
    code, output = reflex(["export", "--frontend-only", "--no-zip"], settings, cwd=project)
    assert code == 0, output
    assert "Traceback" not in output
    built = project / ".web" / "build" / "client"
    assert (built / "index.html").exists(), output
    assert COMMAND_ENV["CLERK_PUBLISHABLE_KEY"] in "".join(
        path.read_text(errors="ignore") for path in built.rglob("*.js")
    )
