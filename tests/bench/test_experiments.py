"""The measured experiments in `bench/experiments/` still apply to this tree, as `--patch` needs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((ROOT / "bench" / "experiments").glob("*.diff"))


def test_there_are_experiments() -> None:
    assert EXPERIMENTS, "bench/experiments/ has no diffs"


@pytest.mark.parametrize("diff", EXPERIMENTS, ids=[path.stem for path in EXPERIMENTS])
def test_experiment_applies_to_this_tree(diff: Path) -> None:
    # `bench/common.apply_patch` applies it with `patch -p1`; `git apply --check` reads the same
    # a/… b/… paths and changes nothing.
    result = subprocess.run(
        ["git", "apply", "--check", "-p1", str(diff)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{diff.name} no longer applies: {result.stderr}"
