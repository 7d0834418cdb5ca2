"""The soak command, short: 2 workers on Redis behind Caddy, tabs and webhooks, 10 seconds.

Only correctness is asserted (no errors, no user lost or duplicated); the figures are printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.processes import run_python

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_short_soak_has_no_errors_and_loses_or_duplicates_no_user(tmp_path: Path) -> None:
    args = ["bench/soak.py", "--duration", "10", "--window", "5", "--sessions", "8"]
    result = run_python(args, timeout=540)
    (tmp_path / "soak.log").write_text(result.stdout + result.stderr)
    print(result.stdout)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {"load_errors": 0, "lost": 0, "duplicated": 0}
    assert "| users lost / duplicated | 0 / 0 |" in result.stdout
