"""Where Reflex keeps the tabs' state without Redis: a folder of this user's, outside the project.

Reflex's disk state manager writes each tab's state to `.states/` in the working directory (the
project folder) by default, readable by every local user. `use_states_dir` points it at
`Settings.states_dir` through Reflex's own `REFLEX_STATES_WORKDIR` (`rxconfig.py` calls it, so
`reflex run`, which empties the folder at start, and the server processes it starts agree), and
`create_states_dir` creates that folder with mode 0700 before a serving process's state manager
does (`startup.start`).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from clerk_fullstack.core.files import make_private_dir
from clerk_fullstack.core.settings import ConfigError, Settings

STATES_WORKDIR_VARIABLE = "REFLEX_STATES_WORKDIR"


def use_states_dir(
    settings: Settings, environ: MutableMapping[str, str] | None = None
) -> Path | None:
    """Set Reflex's state folder to `settings.states_dir`; None with Redis (no state files)."""
    if settings.reflex_redis_url:
        return None
    path = settings.states_dir
    (os.environ if environ is None else environ)[STATES_WORKDIR_VARIABLE] = str(path)
    return path


def create_states_dir(settings: Settings) -> Path | None:
    """Create `settings.states_dir` for this user alone; None with Redis.

    A folder that cannot be created is a `ConfigError` naming the variable.
    """
    if settings.reflex_redis_url:
        return None
    path = settings.states_dir
    try:
        make_private_dir(path)
    except OSError as exc:
        raise ConfigError(
            f"Invalid configuration:\n  {STATES_WORKDIR_VARIABLE}: cannot create the tabs' state "
            f"folder {path} ({exc.strerror or exc}); set {STATES_WORKDIR_VARIABLE} to a folder of "
            "its own that this user may write (Reflex empties it at each start), or set "
            "REFLEX_REDIS_URL"
        ) from None
    return path
