"""The exported frontend: the pinned Clerk Core 3 SDK, no secrets shipped, prerendered pages."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from clerk_fullstack.core.clerk_sdk import CLERK_REACT_VERSION
from tests.conftest import TEST_ENV
from tests.helpers.app_process import REFLEX
from tests.helpers.environment import app_environment
from tests.helpers.project import ARTIFACTS, copy_project

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, mongo_uri: str) -> Path:
    """`reflex export --frontend-only --env prod` (which prerenders) in a copy; its `.web/`."""
    project = copy_project(tmp_path_factory.mktemp("compile") / "app")
    settings = {k: v for k, v in TEST_ENV.items() if k != "REFLEX_ENV_MODE"}
    settings["MONGO_URI"] = mongo_uri
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
            timeout=840,
            check=False,
        )
    assert result.returncode == 0, f"reflex export failed; see {log}"
    return project / ".web"


def test_the_pinned_clerk_react_is_installed(web: Path) -> None:
    package = json.loads((web / "package.json").read_text())
    assert package["dependencies"]["@clerk/react"] == CLERK_REACT_VERSION  # exact: .npmrc
    lock = json.loads((web / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@clerk/react"]["version"] == CLERK_REACT_VERSION
    installed = json.loads((web / "node_modules/@clerk/react/package.json").read_text())
    assert installed["version"] == CLERK_REACT_VERSION
    assert "@clerk/clerk-react" not in package["dependencies"]


def test_no_secret_reaches_the_browser(web: Path) -> None:
    shipped = [path for path in (web / "build" / "client").rglob("*") if path.is_file()]
    assert shipped
    for secret in (TEST_ENV["CLERK_SECRET_KEY"], TEST_ENV["CLERK_WEBHOOK_SECRET"]):
        assert not [path for path in shipped if secret.encode() in path.read_bytes()]


def test_sign_in_and_sign_up_catch_their_sub_paths(web: Path) -> None:
    routes = {path.name for path in (web / "app" / "routes").glob("*.jsx")}
    assert {"[sign-in].$.jsx", "[sign-up].$.jsx"} <= routes


def test_pages_were_prerendered_with_the_key(web: Path) -> None:
    # The build prerenders every page through ClerkProvider, which validates the key.
    home = (web / "build" / "client" / "index.html").read_text()
    assert "Clerk Fullstack" in home
    assert "Welcome" in home
    favorite = (web / "build" / "client" / "my-favorite-color.html").read_text()
    assert "My favorite color" in favorite
