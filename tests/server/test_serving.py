"""The backend's server: uvicorn workers under gunicorn, unless the environment says otherwise."""

from __future__ import annotations

import gc

import pytest

from clerk_fullstack.server.gunicorn_conf import pre_fork
from clerk_fullstack.server.serving import (
    GUNICORN_CONFIG,
    WORKER_CLASS,
    exit_status,
    has_worker_class,
    is_server_command,
    run_mode,
    use_uvicorn_workers,
)

pytestmark = pytest.mark.unit


def test_an_empty_environment_gets_uvicorn_workers() -> None:
    env: dict[str, str] = {}
    use_uvicorn_workers(env)
    assert env == {
        "REFLEX_USE_GRANIAN": "false",
        "GUNICORN_CMD_ARGS": f"--worker-class {WORKER_CLASS} --config {GUNICORN_CONFIG}",
    }


def test_own_gunicorn_args_are_kept_after_the_worker_class() -> None:
    env = {"GUNICORN_CMD_ARGS": "--timeout 60 --graceful-timeout 10"}
    use_uvicorn_workers(env)
    assert (
        env["GUNICORN_CMD_ARGS"]
        == f"--worker-class {WORKER_CLASS} --config {GUNICORN_CONFIG} --timeout 60 "
        "--graceful-timeout 10"
    )


@pytest.mark.parametrize(
    "args", ["-k gthread", "--worker-class gthread", "--worker-class=gthread", "--timeout 5 -k x"]
)
def test_an_explicit_worker_class_wins(args: str) -> None:
    env = {"GUNICORN_CMD_ARGS": args, "REFLEX_USE_GRANIAN": "true"}
    use_uvicorn_workers(env)
    assert env == {"GUNICORN_CMD_ARGS": args, "REFLEX_USE_GRANIAN": "true"}
    assert has_worker_class(args)


def test_calling_it_twice_changes_nothing() -> None:
    env: dict[str, str] = {}
    use_uvicorn_workers(env)
    once = dict(env)
    use_uvicorn_workers(env)
    assert env == once


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        (["reflex", "run"], "dev"),
        (["reflex", "run", "--env", "prod", "--backend-only", "--backend-port", "8000"], "prod"),
        (["reflex", "run", "--backend-only", "--env=preview"], "preview"),
        (["reflex", "run", "--env", "prod", "--frontend-only"], None),
        (["reflex", "export", "--env", "prod", "--frontend-only"], None),
        (["reflex", "init"], None),
        (["/venv/lib/python3.11/site-packages/gunicorn/__main__.py", "--preload"], None),
        (["reflex"], None),
    ],
)
def test_run_mode_is_read_from_a_reflex_run_command_line(argv: list[str], mode: str | None) -> None:
    assert run_mode(argv) == mode


@pytest.mark.parametrize(
    ("args", "server"),
    [
        (["/venv/bin/python", "-m", "gunicorn", "--preload", "app:app()"], True),
        (["python.exe", "-m", "uvicorn", "--factory", "app:app"], True),
        (["npm", "install"], False),
        (["/venv/bin/python", "-m", "pip", "gunicorn"], False),
        ("python -m gunicorn", False),  # Reflex gives its server a list
    ],
)
def test_the_server_command_is_recognised(args: object, server: bool) -> None:
    assert is_server_command(args) is server


@pytest.mark.parametrize(("returncode", "status"), [(1, 1), (3, 3), (-9, 137), (-15, 143)])
def test_a_server_status_becomes_the_shell_s(returncode: int, status: int) -> None:
    assert exit_status(returncode) == status


def test_the_master_freezes_the_preloaded_heap_before_forking() -> None:
    gc.unfreeze()
    pre_fork(server=None, worker=None)
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
