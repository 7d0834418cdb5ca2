"""The benchmark command works end to end (a short smoke run; figures are printed, not judged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.processes import run_python

pytestmark = [pytest.mark.bench, pytest.mark.slow, pytest.mark.timeout(900)]


def test_bench_smoke_runs_both_backends_and_loses_nothing(tmp_path: Path) -> None:
    result = run_python(["bench/run.py", "--smoke"], timeout=840)
    (tmp_path / "bench.log").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for row in ("route req/s", "route app CPU µs/req", "ingest events/s", "× its RSA floor"):
        assert row in table
    lost_row = next(line for line in table.splitlines() if line.startswith("| ingest lost"))
    assert "| 0/0/0 | 0/0/0 |" in lost_row  # ours and the baseline: nothing lost or duplicated
    for phase in ("route", "ingest"):
        cores_row = next(
            line
            for line in table.splitlines()
            if line.startswith(f"| {phase} cores busy, server + SecantusDB")
        )
        ours, baseline = (float(cell) for cell in cores_row.split("|")[2:4])
        assert 0 < ours <= 2.5 and 0 < baseline <= 2.5  # two cores, a little sampling slack
    # The database's own ceiling for our flush, beside Express's ingest: batches of 8 and 16.
    ceiling = [line for line in table.splitlines() if line.startswith(("| 8 |", "| 16 |"))]
    assert len(ceiling) == 2, table
    for row in ceiling:
        events_per_s, times_express = row.split("|")[2:4]
        assert float(events_per_s.replace(",", "")) > 0
        assert float(times_express.strip().rstrip("×")) > 0


def test_db_ceiling_stores_every_user_through_the_apps_flush() -> None:
    result = run_python(
        ["bench/db_ceiling.py", "--events", "40", "--batches", "8", "--in-flight", "1,2"],
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]  # it exits 1 on a user not stored
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 8 |")]
    assert [row.split("|")[2].strip() for row in rows] == ["1", "2"]


def test_profile_records_only_the_phase_window(tmp_path: Path) -> None:
    short = ["--phase", "route", "--users", "60", "--duration", "3", "--work", str(tmp_path)]
    result = run_python(["bench/profile.py", *short], timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "## route:" in result.stdout
    assert "samples computing" in result.stdout
    progress = (tmp_path / "logs" / "loadgen-prof-route.log").read_text()
    window = progress.index("window start route"), progress.index("window end route")
    assert progress.index("window end ingest") < window[0] < window[1]
    # The harness ingested its users first: none of that is in the route's profile.
    stacks = (tmp_path / "app-route.txt").read_text()
    assert "color_for" in stacks  # the route's code, on either path (api/direct.py)
    assert "receive_webhook" not in stacks
