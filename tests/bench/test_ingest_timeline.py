"""`bench/ingest_timeline.py` reads the timeline lines the ingest-timeline experiment logs."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "ingest_timeline.py"


def load_script() -> ModuleType:
    """The bench script as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("ingest_timeline", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stages_and_batches_are_reported_from_the_logged_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "ours.log"
    lines = ["INFO:     Application startup complete."]
    for batch in range(3):  # batches of 2, one every 10 ms: insert 6 ms, check 2 ms
        start = 1_000_000_000 + batch * 10_000_000
        for n in range(2):
            entered = start - 3_000_000 + n * 100_000
            times = [entered, entered + 40_000, entered + 100_000]
            times += [start, start + 6_000_000, start + 8_000_000, start + 9_000_000, 2]
            lines.append(
                "WARNING:clerk_fullstack.api.webhooks:TIMELINE " + " ".join(map(str, times))
            )
    log.write_text("\n".join(lines) + "\n")

    assert load_script().main(["--skip", "0", str(log)]) == 0

    out = capsys.readouterr().out
    assert "| body read | 40 | 40 |" in out
    assert "| its batch's insert (journaled) | 6,000 | 6,000 |" in out
    assert "| its batch's tombstone check | 2,000 | 2,000 |" in out
    assert "6 webhooks in 3 batches: 2.0 a batch" in out
    assert "one started every 10,000 µs" in out


def test_a_log_without_timeline_lines_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "ours.log"
    log.write_text("INFO:     Application startup complete.\n")
    assert load_script().main([str(log)]) == 1
    assert "ingest-timeline.diff" in capsys.readouterr().err
