"""The soak command, short: 2 workers on Redis behind Caddy, tabs and webhooks, 20 seconds.

Only correctness is asserted (no errors, no user lost or duplicated); the figures are printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.backend import ROOT
from tests.helpers.cluster import clean_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_short_soak_has_no_errors_and_loses_or_duplicates_no_user(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "bench/soak.py", "--duration", "20", "--window", "5", "--sessions", "8"],
        cwd=ROOT,
        env=clean_env({}),
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    (tmp_path / "soak.log").write_text(result.stdout + result.stderr)
    print(result.stdout)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {"load_errors": 0, "lost": 0, "duplicated": 0}
    assert "| users lost / duplicated | 0 / 0 |" in result.stdout
