"""Local mode in the app's backend under a custom runner: uvicorn started directly, not through
`reflex run`, so nothing sets REFLEX_BACKEND_PORT for it.

The backend calls itself on that port (the emulator's JWKS, its webhooks). Without it, it used to
guess 127.0.0.1:8000, whatever listened there; now it refuses to start, and with it, it works.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from tests.helpers import http_client
from tests.helpers.clerk_frontend import FrontendAPI
from tests.helpers.environment import app_environment
from tests.helpers.mongo import ChildServer, uri_for
from tests.helpers.ports import free_port
from tests.helpers.processes import answers, came_up, terminate
from tests.helpers.project import copy_project
from tests.helpers.tokens import TEST_FRONTEND

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, compiled_frontend: Path) -> Path:
    """A copy of the project: importing the app compiles it into `.web`, and may install its
    packages, which must not touch the checkout (its `reflex.lock` included)."""
    return copy_project(tmp_path_factory.mktemp("custom-runner") / "app", web=compiled_frontend)


@pytest.fixture
def custom_runner(child_database: ChildServer, tmp_path: Path) -> tuple[int, dict[str, str]]:
    """A port and local-mode settings for `python -m uvicorn --factory <the app>`."""
    settings = {
        "CLERK_MODE": "local",
        "DATA_DIR": str(tmp_path / "data"),
        "MONGO_URI": uri_for(child_database.port),
        "MONGO_DB": f"custom_runner_{tmp_path.name[-12:]}",
        "FRONTEND": TEST_FRONTEND,
        "REFLEX_SKIP_COMPILE": "true",
    }
    return free_port(), settings


def uvicorn(
    port: int, settings: dict[str, str], log: Path, project: Path
) -> subprocess.Popen[bytes]:
    """The app's ASGI factory under uvicorn on `port`, as a custom runner serves it."""
    env = app_environment(settings)
    if "REFLEX_BACKEND_PORT" not in settings:
        env.pop("REFLEX_BACKEND_PORT", None)
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "clerk_fullstack.clerk_fullstack:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def test_without_reflex_backend_port_it_refuses_to_start(
    custom_runner: tuple[int, dict[str, str]], tmp_path: Path, project: Path
) -> None:
    port, settings = custom_runner
    process = uvicorn(port, settings, tmp_path / "uvicorn.log", project)
    try:
        served = came_up(process, lambda: answers(f"http://127.0.0.1:{port}/ping"), 120, 0.3)
    finally:
        terminate(process)
    assert not served
    assert process.returncode != 0
    assert "REFLEX_BACKEND_PORT: in local mode" in (tmp_path / "uvicorn.log").read_text()


def test_with_reflex_backend_port_it_calls_itself_there(
    custom_runner: tuple[int, dict[str, str]],
    child_database: ChildServer,
    tmp_path: Path,
    project: Path,
) -> None:
    """A sign-up's webhook is stored, and the session token is checked with the emulator's
    keys, both fetched from this server's own port."""
    port, settings = custom_runner
    url = f"http://127.0.0.1:{port}"
    process = uvicorn(
        port, {**settings, "REFLEX_BACKEND_PORT": str(port)}, tmp_path / "log", project
    )
    try:
        assert came_up(process, lambda: answers(f"{url}/api/health"), 120, 0.3)

        async def sign_up() -> str:
            async with http_client.async_client(timeout=30) as http:
                browser = FrontendAPI(f"{url}/local-clerk", origin=TEST_FRONTEND, http=http)
                await browser.sign_up("runner@example.org", "correct horse battery", "Ada", "L")
                return await browser.token()

        token = asyncio.run(sign_up())
        client: MongoClient[dict[str, object]] = MongoClient(uri_for(child_database.port))
        users = client[settings["MONGO_DB"]]["users"]
        deadline = time.monotonic() + 30
        while (doc := users.find_one({"email": "runner@example.org"})) is None:
            assert time.monotonic() < deadline, "the user.created webhook never arrived"
            time.sleep(0.2)
        client.close()
        response = http_client.get(
            f"{url}/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert (response.status_code, response.json()["payload"]) == (200, doc["favoriteColor"])
    finally:
        terminate(process)
