"""The exported frontend: the pinned Clerk Core 3 SDK, no secrets shipped, prerendered pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clerk_fullstack.core.clerk_sdk import CLERK_REACT_VERSION
from tests.conftest import TEST_ENV

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def web(compiled_frontend: Path) -> Path:
    """`reflex export --frontend-only --env prod` (which prerenders) in a copy: the run's
    compiled frontend, which every other app copy starts from; its `.web/`."""
    return compiled_frontend


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
