"""Copies of the project for tests that build or run the app without touching the checkout."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The project: the checkout the tests run from."""
ARTIFACTS = ROOT / "test-artifacts"
"""Logs, screenshots and timings the slow tests leave for a reader (ignored by git)."""

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


def copy_project(destination: Path, *, also_skip: Sequence[str] = ()) -> Path:
    """Copy the sources (not `.web`, `.venv`, data, nor `also_skip`) to `destination`."""
    ignore = shutil.ignore_patterns(*NOT_COPIED, *also_skip)
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
    return destination
