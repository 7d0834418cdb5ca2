"""Clerk's browser SDK as the emulator serves it: versions pinned together, checked, served.

The lock pins @clerk/react and @clerk/shared to what the app's frontend installs, and clerk-js
and ui to the majors that @clerk/shared loads; the emulator serves the pinned files whatever
version a script URL names.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest

from clerk_fullstack.core.clerk_sdk import CLERK_JS_MAJOR, CLERK_REACT_VERSION, CLERK_UI_MAJOR
from clerk_fullstack.local_clerk.bundles import (
    CLERK_JS,
    CLERK_UI,
    LOCK_FILE,
    BundleError,
    PinnedPackage,
    _extract,
    bundle_file,
    ensure_package,
    integrity_of,
    package_dir,
    pinned,
    pinned_packages,
)
from tests.helpers.local_clerk import asgi_client, standalone_clerk, standalone_emulator
from tests.helpers.project import ROOT

REFLEX_LOCK = ROOT / "reflex.lock"
CLERK_REACT = "@clerk/react"
CLERK_SHARED = "@clerk/shared"


def reflex_locked(name: str) -> str:
    """The version `reflex.lock/package-lock.json` installs for `name`."""
    lock = json.loads((REFLEX_LOCK / "package-lock.json").read_text())
    version: str = lock["packages"][f"node_modules/{name}"]["version"]
    return version


def major(version: str) -> str:
    return version.split(".")[0]


# -- the pins ------------------------------------------------------------------------------


@pytest.mark.unit
def test_the_lock_pins_the_four_packages_exactly() -> None:
    packages = pinned_packages()
    assert set(packages) == {CLERK_REACT, CLERK_SHARED, CLERK_JS, CLERK_UI}
    for package in packages.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", package.version), package
        assert package.integrity.startswith("sha512-"), package


@pytest.mark.unit
def test_clerk_react_is_the_same_version_everywhere() -> None:
    assert pinned(CLERK_REACT).version == reflex_locked(CLERK_REACT) == CLERK_REACT_VERSION
    # The app's frontend asks for exactly that version, not a range.
    dependencies = json.loads((REFLEX_LOCK / "package.json").read_text())["dependencies"]
    assert dependencies[CLERK_REACT] == CLERK_REACT_VERSION


@pytest.mark.unit
def test_clerk_shared_is_the_version_the_frontend_installs() -> None:
    assert pinned(CLERK_SHARED).version == reflex_locked(CLERK_SHARED)


@pytest.mark.integration
def test_clerk_js_and_ui_are_the_majors_clerk_shared_loads() -> None:
    shared = ensure_package(pinned(CLERK_SHARED)) / "dist"
    selector = (shared / "versionSelector.mjs").read_text()
    loader = (shared / "loadClerkJsScript.mjs").read_text()
    js_default = re.search(r'versionSelector = \(\w+, packageVersion = "([\d.]+)"\)', selector)
    ui_default = re.search(r'versionSelector\(__internal_clerkUIVersion, "([\d.]+)"\)', loader)
    assert js_default and ui_default, "@clerk/shared's script loader changed: update this test"
    assert major(pinned(CLERK_JS).version) == major(js_default[1]) == CLERK_JS_MAJOR
    assert major(pinned(CLERK_UI).version) == major(ui_default[1]) == CLERK_UI_MAJOR


# -- fetching and checking -----------------------------------------------------------------


@pytest.mark.integration
def test_a_package_that_fails_its_integrity_check_is_refused(tmp_path: Path) -> None:
    real = pinned(CLERK_SHARED)
    tampered = PinnedPackage(real.name, real.version, integrity_of(b"another tarball"))
    with pytest.raises(BundleError, match="does not match the integrity"):
        ensure_package(tampered, tmp_path)
    assert not package_dir(tampered, tmp_path).exists()


@pytest.mark.integration
def test_a_checked_package_is_unpacked_once(tmp_path: Path) -> None:
    real = pinned(CLERK_SHARED)
    root = ensure_package(real, tmp_path)
    assert root == package_dir(real, tmp_path)
    assert json.loads((root / "package.json").read_text())["version"] == real.version
    marker = root / ".complete"
    before = marker.stat().st_mtime_ns
    assert ensure_package(real, tmp_path) == root
    assert marker.stat().st_mtime_ns == before


def tarball(*members: tarfile.TarInfo, content: bytes = b"x") -> tarfile.TarFile:
    """An archive of `members` (each file holding `content`), open for reading."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for member in members:
            if member.isfile():
                member.size = len(content)
                archive.addfile(member, io.BytesIO(content))
            else:
                archive.addfile(member)
    data.seek(0)
    return tarfile.open(fileobj=data, mode="r:gz")


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


WITHOUT_FILTER = "without the data filter (Python 3.11 before 3.11.4)"
PYTHONS = [WITHOUT_FILTER, *(["with the data filter"] if hasattr(tarfile, "data_filter") else [])]
"""Both ways of unpacking where this Python has the filter; the only one where it has not."""


@pytest.fixture(params=PYTHONS)
def python(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == WITHOUT_FILTER:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    return str(request.param)


@pytest.mark.unit
def test_a_package_is_unpacked_with_or_without_the_data_filter(tmp_path: Path, python: str) -> None:
    plain = tarball(
        entry("package", tarfile.DIRTYPE),
        entry("package/package.json"),
        entry("package/dist/clerk.browser.js"),
        content=b"{}",
    )
    _extract(plain, tmp_path)
    assert (tmp_path / "package" / "package.json").read_bytes() == b"{}"
    assert (tmp_path / "package" / "dist" / "clerk.browser.js").read_bytes() == b"{}"


@pytest.mark.unit
@pytest.mark.parametrize(
    "member",
    [entry("package/../../outside.js"), entry("package/link", tarfile.SYMTYPE, "/etc/passwd")],
    ids=["parent", "link-out"],
)
def test_an_entry_leading_out_of_the_package_is_refused(
    tmp_path: Path, python: str, member: tarfile.TarInfo
) -> None:
    target = tmp_path / "cache"
    target.mkdir()
    with pytest.raises((BundleError, tarfile.TarError)):  # the filter's errors are TarErrors
        _extract(tarball(member), target)
    assert list(tmp_path.rglob("*")) == [target]


@pytest.mark.unit
def test_an_absolute_entry_is_never_written_where_it_points(tmp_path: Path, python: str) -> None:
    """The data filter makes it relative to the cache folder; without it, it is refused."""
    target = tmp_path / "cache"
    target.mkdir()
    outside = tmp_path / "absolute.js"
    try:
        _extract(tarball(entry(str(outside))), target)
    except BundleError:
        assert python == WITHOUT_FILTER
    assert not outside.exists()
    assert all(path.is_relative_to(target) for path in tmp_path.rglob("*") if path != target)


@pytest.mark.unit
@pytest.mark.parametrize("name", ["", ".", "..", "../package.json", "a/b.js", ".complete", "-x"])
def test_only_plain_file_names_of_dist_are_served(tmp_path: Path, name: str) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / ".complete").touch()
    assert bundle_file(tmp_path, name) is None


@pytest.mark.unit
def test_the_lock_file_ships_with_the_package() -> None:
    assert LOCK_FILE.name == "clerk-packages.lock.json" and LOCK_FILE.is_file()


# -- serving -------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "package", "file"),
    [
        ("/npm/@clerk/clerk-js@6/dist/clerk.browser.js", CLERK_JS, "clerk.browser.js"),
        ("/npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js", CLERK_JS, "clerk.browser.js"),
        ("/npm/@clerk/ui@1/dist/ui.browser.js", CLERK_UI, "ui.browser.js"),
        ("/npm/@clerk/ui@1.41.0/dist/ui.browser.js", CLERK_UI, "ui.browser.js"),
    ],
)
async def test_the_pinned_scripts_are_served_for_any_version(
    tmp_path: Path, path: str, package: str, file: str
) -> None:
    async with asgi_client(standalone_emulator(standalone_clerk(tmp_path))) as client:
        response = await client.get(path, headers={"origin": "http://localhost:3000"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    expected = ensure_package(pinned(package)) / "dist" / file
    assert response.content == expected.read_bytes()


@pytest.mark.integration
@pytest.mark.parametrize(
    "path",
    [
        "/npm/@clerk/backend@1/dist/index.js",
        "/npm/@clerk/shared@4/dist/versionSelector.mjs",
        "/npm/@clerk/clerk-js@6/dist/no-such-file.js",
        "/npm/@clerk/clerk-js@6/dist/..%2fpackage.json",
        "/npm/@clerk/clerk-js@6/dist/..%2f..%2f..%2fclerk-packages.lock.json",
        "/npm/@clerk/clerk-js@6/dist/%2e%2e",
        "/npm/@clerk/clerk-js@6/dist/.complete",
    ],
)
async def test_nothing_else_is_served(tmp_path: Path, path: str) -> None:
    async with asgi_client(standalone_emulator(standalone_clerk(tmp_path))) as client:
        response = await client.get(path)
    assert response.status_code == 404
