"""Clerk's browser SDK files, from the npm packages pinned in `clerk-packages.lock.json`.

The emulator serves `@clerk/clerk-js` and `@clerk/ui` itself, as Clerk's CDN would. Each package
is fetched once with `npm pack` (npm's own registry settings apply), checked against the lock's
integrity hash, and unpacked into a cache folder shared by every data folder and checkout.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clerk_fullstack.core.files import locked

LOCK_FILE = Path(__file__).with_name("clerk-packages.lock.json")
CLERK_JS = "@clerk/clerk-js"
CLERK_UI = "@clerk/ui"
SERVED_PACKAGES = {"clerk-js": CLERK_JS, "ui": CLERK_UI}
"""The `/npm/@clerk/<name>@<version>/dist/<file>` names the emulator answers."""
NPM_TIMEOUT_SECONDS = 300
_SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class BundleError(RuntimeError):
    """A pinned package could not be fetched or failed its integrity check."""


@dataclass(frozen=True, slots=True)
class PinnedPackage:
    """One package of the lock: its exact version and npm's integrity string."""

    name: str
    version: str
    integrity: str

    @property
    def major(self) -> str:
        """The major version, as `@clerk/shared` puts it in script URLs (`6`)."""
        return self.version.split(".")[0]


def pinned_packages(lock_file: Path = LOCK_FILE) -> dict[str, PinnedPackage]:
    """Every package the lock pins, by name."""
    data = json.loads(lock_file.read_text())
    return {
        name: PinnedPackage(name, entry["version"], entry["integrity"])
        for name, entry in data["packages"].items()
    }


def pinned(name: str) -> PinnedPackage:
    """One pinned package (`@clerk/clerk-js`, `@clerk/ui`, `@clerk/react`, `@clerk/shared`)."""
    return pinned_packages()[name]


def cache_root() -> Path:
    """Where unpacked packages are kept: `CLERK_EMULATOR_CACHE`, else the user's cache folder."""
    if configured := os.environ.get("CLERK_EMULATOR_CACHE"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clerk-emulator"


def integrity_of(data: bytes) -> str:
    """npm's integrity string for a tarball: `sha512-` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def package_dir(package: PinnedPackage, root: Path | None = None) -> Path:
    """The unpacked package (its `package.json` and `dist/`)."""
    folder = package.name.replace("/", "+")
    return (root or cache_root()) / f"{folder}@{package.version}"


def ensure_package(package: PinnedPackage, root: Path | None = None) -> Path:
    """The unpacked package, fetched and checked first if it is not cached yet."""
    target = package_dir(package, root)
    if (target / ".complete").exists():
        return target
    with locked(target.parent):
        if (target / ".complete").exists():
            return target
        tarball = _npm_pack(package)
        if integrity_of(tarball) != package.integrity:
            raise BundleError(
                f"{package.name}@{package.version} does not match the integrity pinned in "
                f"{LOCK_FILE.name}; refusing to serve it"
            )
        _unpack(tarball, target)
    return target


def ensure_bundles(root: Path | None = None) -> dict[str, Path]:
    """clerk-js and ui, unpacked: what the emulator serves, by their `/npm/@clerk/<name>` name."""
    return {short: ensure_package(pinned(name), root) for short, name in SERVED_PACKAGES.items()}


def bundle_file(package_root: Path, file_name: str) -> Path | None:
    """A file of the package's `dist/` folder (one name, no path), if it exists."""
    if not _SAFE_FILE.match(file_name):
        return None
    path = package_root / "dist" / file_name
    return path if path.is_file() else None


def _npm_pack(package: PinnedPackage) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError(
            "npm is needed to fetch Clerk's browser SDK (scripts/bootstrap.sh puts it on PATH)"
        )
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(  # noqa: S603 - a fixed command with a pinned package name
            [
                npm,
                "pack",
                f"{package.name}@{package.version}",
                "--silent",
                "--pack-destination",
                scratch,
            ],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        tarballs = list(Path(scratch).glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise BundleError(
                f"npm pack {package.name}@{package.version} failed: "
                f"{(result.stderr or result.stdout).strip()[-500:]}"
            )
        return tarballs[0].read_bytes()


def _unpack(tarball: bytes, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target.parent))
    try:
        with tempfile.TemporaryFile() as handle:
            handle.write(tarball)
            handle.seek(0)
            with tarfile.open(fileobj=handle, mode="r:gz") as archive:
                _extract(archive, staging)
        unpacked = staging / "package"
        (unpacked / ".complete").touch()
        if target.exists():
            shutil.rmtree(target)
        unpacked.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extract(archive: tarfile.TarFile, destination: Path) -> None:
    """Unpack with the standard library's "data" filter, or, on a Python 3.11 older than 3.11.4
    (Debian 12's is 3.11.2), without it: then only plain files and folders inside `destination`
    are written, their bytes alone (no owner, mode or link taken from the archive)."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(destination, filter="data")
        return
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BundleError(f"Refused to unpack {member.name!r}: not a plain file of the package")
        target = destination / path
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        source = archive.extractfile(member)
        if source is None:
            raise BundleError(f"Refused to unpack {member.name!r}: no content")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read())
