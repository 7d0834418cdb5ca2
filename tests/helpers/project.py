"""Copies of the project for tests that build or run the app without touching the checkout."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The project: the checkout the tests run from."""
ARTIFACTS = ROOT / "test-artifacts"
"""Logs, screenshots and timings the slow tests leave for a reader (ignored by git)."""
TIMINGS = ARTIFACTS / "timings.txt"
"""Figures the browser tests measure (reported, never asserted: these machines are noisy)."""

NOT_COPIED = (
    ".git",
    ".venv",
    ".web",
    ".data",
    ".states",
    ".env",
    "test-artifacts",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "external",
)
"""Generated, cached or machine-local: never copied into the app under test."""


NOT_SEEDED = frozenset({"build", "node_modules/.vite"})
"""What a copy's compile makes for itself: the previous build, Vite's dependency cache."""


def copy_project(
    destination: Path, *, also_skip: Sequence[str] = (), web: Path | None = None
) -> Path:
    """Copy the sources (not `.web`, `.venv`, data, nor `also_skip`) to `destination`.

    With `web`, a compiled `.web/` (the `compiled_frontend` fixture), the copy starts from it:
    its files copied (Reflex rewrites them in place), its `node_modules` hard-linked (npm and
    Vite only add files there), without `NOT_SEEDED`. Reflex then finds its packages installed
    (its install cache records what was asked for) and skips npm; a copy that asks for other
    packages gets them from npm as usual.
    """
    ignore = shutil.ignore_patterns(*NOT_COPIED, *also_skip)
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
    if web is not None:
        seed_web(web, destination / ".web")
    return destination


def seed_web(web: Path, target: Path) -> None:
    """Copy the compiled `web` to `target`, hard-linking `node_modules`, without `NOT_SEEDED`."""
    packages = web / "node_modules"

    def skipped(folder: str, names: list[str]) -> set[str]:
        below = Path(folder).relative_to(web)
        return {name for name in names if str(below / name) in NOT_SEEDED}

    def copy(source: str, destination: str) -> None:
        if Path(source).is_relative_to(packages) and Path(source).parent != packages:
            os.link(source, destination)  # a package's file
        else:
            shutil.copy2(source, destination)  # Reflex's files, and npm's records

    shutil.copytree(web, target, ignore=skipped, symlinks=True, copy_function=copy)
