"""The embedded SecantusDB: started on demand, shared, persistent, and gone when idle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from clerk_fullstack.core import db
from clerk_fullstack.core.embedded_mongo import ensure_embedded_server
from clerk_fullstack.core.settings import load_settings
from tests.conftest import COMMAND_ENV
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.payloads import user_created
from tests.helpers.ports import free_port
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import deliver

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def stop(data_dir: Path) -> None:
    pid = int((data_dir / "pid").read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def test_started_once_shared_and_persistent(tmp_path: Path) -> None:
    data_dir = tmp_path / "mongo"
    uri = ensure_embedded_server(data_dir)
    try:
        assert ensure_embedded_server(data_dir) == uri  # a second worker or a hot reload reuses it
        with MongoClient[dict[str, Any]](uri) as client:
            client.auth.users.insert_one({"clerkUserId": "user_persist", "favoriteColor": "RED"})
    finally:
        stop(data_dir)
    restarted = ensure_embedded_server(data_dir)
    try:
        with MongoClient[dict[str, Any]](restarted) as client:
            doc = client.auth.users.find_one({"clerkUserId": "user_persist"})
        assert doc is not None and doc["favoriteColor"] == "RED"
    finally:
        stop(data_dir)


def test_its_files_are_for_this_user_alone(tmp_path: Path) -> None:
    """DATA_DIR (when the app creates it) and its `mongo` folder are 0o700, even if widened."""
    data_dir = tmp_path / "data" / "mongo"
    ensure_embedded_server(data_dir)
    try:
        assert (data_dir.stat().st_mode & 0o777, data_dir.parent.stat().st_mode & 0o777) == (
            0o700,
            0o700,
        )
        data_dir.chmod(0o755)  # a folder left world-readable by an older version
        ensure_embedded_server(data_dir)
        assert data_dir.stat().st_mode & 0o777 == 0o700
    finally:
        stop(data_dir)


def test_exits_when_no_client_is_left(tmp_path: Path) -> None:
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "clerk_fullstack.core.embedded_mongo",
            str(tmp_path),
            "--idle-exit",
            "1",
        ],
        timeout=60,
        check=False,
    )
    assert process.returncode == 0
    assert not (tmp_path / "port").exists()


def test_dev_settings_without_mongo_uri_use_it(tmp_path: Path, env: pytest.MonkeyPatch) -> None:
    env.delenv("MONGO_URI", raising=False)
    env.setenv("DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.mongo_uri is None
    uri = db.resolve_mongo_uri(settings)
    try:
        assert (tmp_path / "mongo" / "port").read_text() in uri
    finally:
        stop(tmp_path / "mongo")


def test_dev_backend_keeps_users_across_restarts(tmp_path: Path, signing_key: SigningKey) -> None:
    """`reflex run` with only Clerk settings: embedded database, kept across (hot) restarts."""
    env = dict(COMMAND_ENV)
    env["DATA_DIR"] = str(tmp_path / "data")
    token = {"Authorization": f"Bearer {mint_token(signing_key, sub='user_dev')}"}
    backend = AppProcess(free_port(), env, tmp_path / "backend.log", mode="dev")
    backend.start()
    try:
        assert deliver(backend.url, user_created("user_dev")).status_code == 200
        color = http_client.get(f"{backend.url}/user/favoriteColor", headers=token).json()[
            "payload"
        ]
    finally:
        backend.stop()
    backend.start()  # what a hot reload does to the backend process
    try:
        again = http_client.get(f"{backend.url}/user/favoriteColor", headers=token)
        assert again.json()["payload"] == color
    finally:
        backend.stop()
        stop(tmp_path / "data" / "mongo")


def test_a_backend_whose_embedded_database_cannot_start_serves_503_until_it_can(
    tmp_path: Path, signing_key: SigningKey
) -> None:
    """No MONGO_URI: the embedded server's folder is blocked (a file where it should be), so it
    cannot start. The backend boots anyway, answers 503, and connects once the folder is free."""
    env = dict(COMMAND_ENV)
    env.update(DATA_DIR=str(tmp_path / "data"), ALLOW_EMBEDDED_MONGO="1", MONGO_TIMEOUT_MS="1000")
    blocker = tmp_path / "data" / "mongo"
    blocker.parent.mkdir()
    blocker.write_text("not a folder")
    backend = AppProcess(free_port(), env, tmp_path / "backend.log")
    backend.start()
    try:
        unavailable = {
            "success": False,
            "message": "Database unavailable, try again later.",
            "reason": "database-unavailable",
        }
        delivery = user_created("user_embedded_late")
        for response in (
            http_client.get(f"{backend.url}/api/health"),
            deliver(backend.url, delivery, msg_id="msg_embedded_late"),
        ):
            assert (response.status_code, response.json()) == (503, unavailable)
        blocker.unlink()
        deadline = time.monotonic() + 60
        while http_client.get(f"{backend.url}/api/health").status_code != 200:
            assert time.monotonic() < deadline, "the embedded database never came up"
            time.sleep(0.25)
        assert deliver(backend.url, delivery, msg_id="msg_embedded_late").status_code == 200
        token = {"Authorization": f"Bearer {mint_token(signing_key, sub='user_embedded_late')}"}
        assert (
            http_client.get(f"{backend.url}/user/favoriteColor", headers=token).status_code == 200
        )
    finally:
        backend.stop()
        if (blocker / "pid").exists():
            stop(blocker)
