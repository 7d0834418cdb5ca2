"""The compiled frontend: pinned Clerk Core 3 SDK, ClerkProvider around the app, prerendering."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clerk_fullstack.clerk.library import CLERK_REACT_VERSION
from tests.conftest import TEST_ENV
from tests.e2e.ui_app import ARTIFACTS, copy_project
from tests.helpers.environment import app_environment

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
            [
                str(Path(sys.executable).parent / "reflex"),
                *("export", "--frontend-only", "--no-zip", "--env", "prod"),
            ],
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


def enclosing_call(source: str, start: str) -> str:
    """The text of the call that begins with `start`, up to its matching parenthesis."""
    begin = source.index(start)
    depth = 0
    for end in range(begin, len(source)):
        depth += {"(": 1, ")": -1}.get(source[end], 0)
        if depth == 0 and source[end] == ")":
            return source[begin : end + 1]
    raise AssertionError(f"{start!r} is never closed")


def test_the_pinned_clerk_react_is_installed(web: Path) -> None:
    package = json.loads((web / "package.json").read_text())
    assert package["dependencies"]["@clerk/react"].lstrip("^~=") == CLERK_REACT_VERSION
    lock = json.loads((web / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@clerk/react"]["version"] == CLERK_REACT_VERSION
    installed = json.loads((web / "node_modules/@clerk/react/package.json").read_text())
    assert installed["version"] == CLERK_REACT_VERSION
    assert "@clerk/clerk-react" not in package["dependencies"]


def test_app_is_wrapped_in_clerk_provider_with_the_configured_key(web: Path) -> None:
    root = (web / "app" / "root.jsx").read_text()
    assert 'import {ClerkProvider,useAuth} from "@clerk/react"' in root
    provider = enclosing_call(root, "jsx(ClerkProvider,")
    assert f'publishableKey:"{TEST_ENV["CLERK_PUBLISHABLE_KEY"]}"' in provider
    assert 'signInUrl:"/sign-in"' in provider
    assert 'signUpUrl:"/sign-up"' in provider
    assert 'afterSignOutUrl:"/"' in provider
    # Every page renders as `children` of the app wrap, so of the provider; so does the bridge.
    assert re.search(r"jsx\(Fragment,\{\},children[,)]", provider)
    assert "jsx(ClerkTokenBridge,{},)" in provider
    assert TEST_ENV["CLERK_SECRET_KEY"] not in root


def test_pages_import_clerk_components_from_the_pinned_package(web: Path) -> None:
    pages = {path.name: path.read_text() for path in (web / "app" / "routes").glob("*.jsx")}
    favorite = pages["[my-favorite-color]._index.jsx"]
    assert "import {ClerkDegraded,ClerkFailed,ClerkLoading,Show,SignInButton," in favorite
    assert 'jsx(Show,{when:"signed-in"}' in favorite
    assert 'jsx(Show,{when:"signed-out"}' in favorite
    for source in pages.values():
        assert "@clerk/clerk-react" not in source


def test_sign_in_and_sign_up_catch_their_sub_paths(web: Path) -> None:
    routes = {path.name for path in (web / "app" / "routes").glob("*.jsx")}
    assert {"[sign-in].$.jsx", "[sign-up].$.jsx"} <= routes
    sign_in = (web / "app" / "routes" / "[sign-in].$.jsx").read_text()
    assert 'jsx(SignIn,{path:"/sign-in",routing:"path",signUpUrl:"/sign-up"},)' in sign_in


def test_pages_were_prerendered_with_the_key(web: Path) -> None:
    # The build prerenders every page through ClerkProvider, which validates the key.
    home = (web / "build" / "client" / "index.html").read_text()
    assert "Clerk Fullstack" in home
    assert "Welcome" in home
    favorite = (web / "build" / "client" / "my-favorite-color.html").read_text()
    assert "My favorite color" in favorite
