"""gunicorn's settings for the backend, named in `GUNICORN_CMD_ARGS` by `serving.py`.

Reflex's gunicorn command loads the app in the master (`--preload`) and forks the workers, but
unlike its Granian path it does not freeze that heap first. Each uvicorn worker's full garbage
collections then walk every object Reflex and the app imported, and those pauses set the REST
route's p99 (bench/RESULTS.md has the figures). Frozen, a worker collects only what it allocates
itself (and shares the pages it inherited), as under Granian.
"""

from __future__ import annotations

import gc
from typing import Any


def pre_fork(server: Any, worker: Any) -> None:
    """In the master, before each worker is forked: freeze what the app's import allocated."""
    gc.collect()
    gc.freeze()
