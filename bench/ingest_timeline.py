"""Where one webhook's time goes under the ingest load, from the handler's entry to its result.

    .venv/bin/python bench/run.py --only ours --rounds 1 --scale '' --keep --work /tmp/tl \\
        --patch bench/experiments/ingest-timeline.diff
    .venv/bin/python bench/ingest_timeline.py /tmp/tl/logs/ours-r1-ours.log

The patch (an experiment, never shipped: it logs a line per webhook) makes the backend log, for
each `user.created` it stores, the times its handler entered, read the body, verified and
parsed it, and got its result, with its batch's flush start, insert done and tombstone check
done. This prints each stage's median and 90th percentile over the measured webhooks (the
harness's warm-up ones are skipped), and the group commit's batches: their size, how often one
starts, and how much of that the database calls take.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import uiload

STAGES = (
    ("body read", 0, 1),
    ("signature checked and parsed", 1, 2),
    ("waiting for its batch to start", 2, 3),
    ("its batch's insert (journaled)", 3, 4),
    ("its batch's tombstone check", 4, 5),
    ("check done → handler resumed", 5, 6),
    ("handler entry → result", 0, 6),
)


def read_timelines(paths: Sequence[Path]) -> list[list[int]]:
    """Each logged webhook as [entered, read, verified, started, stored, checked, applied, n]."""
    rows: list[list[int]] = []
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            _, marker, rest = line.partition("TIMELINE ")
            if marker:
                rows.append([int(field) for field in rest.split()[:8]])
    return sorted(rows)


def report(rows: Sequence[list[int]]) -> str:
    """Markdown: per-stage median and p90 in µs, then the batches."""
    lines = ["| stage | median µs | p90 µs |", "|---|---:|---:|"]
    for name, start, end in STAGES:
        spans = [(row[end] - row[start]) / 1000 for row in rows]
        lines.append(
            f"| {name} | {statistics.median(spans):,.0f} "
            f"| {uiload.percentile(sorted(spans), 0.9):,.0f} |"
        )
    batches = sorted({(row[3], row[4], row[5], row[7]) for row in rows})
    gaps = [(b[0] - a[0]) / 1000 for a, b in itertools.pairwise(batches)]
    sizes = [batch[3] for batch in batches]
    inserts = [(batch[1] - batch[0]) / 1000 for batch in batches]
    checks = [(batch[2] - batch[1]) / 1000 for batch in batches]
    lines += [
        "",
        f"{len(rows)} webhooks in {len(batches)} batches: {statistics.mean(sizes):.1f} a batch "
        f"(median {statistics.median(sizes):.0f}), one started every "
        f"{statistics.median(gaps):,.0f} µs (median); its insert took "
        f"{statistics.median(inserts):,.0f} µs and its check {statistics.median(checks):,.0f} "
        "(medians), the rest of the gap is the app's turn between one batch's check and the "
        "next batch's insert.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("logs", nargs="+", type=Path, help="the backend's log(s) from a --keep run")
    ap.add_argument("--skip", type=int, default=200, help="first webhooks left out (warm-up)")
    args = ap.parse_args(argv)
    rows = read_timelines(args.logs)[args.skip :]
    if not rows:
        print("no TIMELINE lines: was the run patched with ingest-timeline.diff?", file=sys.stderr)
        return 1
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
