"""The emulator's outage switch: while it is on, webhooks are dropped instead of delivered.

It plays the failure `python -m clerk_fullstack.sync` exists for (an endpoint Clerk disabled,
or users made before it existed). The switch is a file in the emulator's folder, so every
backend worker and a restart see the same state.
"""

from __future__ import annotations

from pathlib import Path

OUTAGE_FILE = "webhooks_paused"


def webhooks_paused(directory: Path) -> bool:
    """Whether webhook delivery is switched off."""
    return (directory / OUTAGE_FILE).exists()


def set_webhooks_paused(directory: Path, *, paused: bool) -> None:
    """Switch webhook delivery off (`paused`) or back on; events dropped meanwhile stay lost."""
    marker = directory / OUTAGE_FILE
    if paused:
        directory.mkdir(parents=True, exist_ok=True)
        marker.touch()
    else:
        marker.unlink(missing_ok=True)
