"""The one way tests build a child process's environment: no inherited app settings, venv Node."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_VARIABLES = (
    "CLERK_MODE",
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_SECRET_KEY",
    "CLERK_WEBHOOK_SECRET",
    "CLERK_JWT_KEY",
    "CLERK_API_URL",
    "CLERK_AUTHORIZED_PARTIES",
    "CLERK_PROXY_URL",
    "CLERK_DOMAIN",
    "CLERK_IS_SATELLITE",
    "CLERK_JS_URL",
    "CLERK_UI_URL",
    "CLERK_FETCH_MISSING_USERS",
    "FRONTEND",
    "DEV_FRONTEND_HOST",
    "MONGO_URI",
    "MONGO_DB",
    "MONGO_TIMEOUT_MS",
    "DATA_DIR",
    "REFLEX_ENV_MODE",
    "REFLEX_REDIS_URL",
    # rxconfig.py sets this one in any process that loads it (this one included, when a test
    # imports the app): a child must choose its own from its own XDG_STATE_HOME.
    "REFLEX_STATES_WORKDIR",
    "REFLEX_REDIS_TOKEN_EXPIRATION",
    "WEB_HEADER_TIMEOUT_SECONDS",
    "WEB_MAX_HEADER_BYTES",
    "REFLEX_USE_GRANIAN",
    "GUNICORN_CMD_ARGS",
    "WEB_CONCURRENCY",
    "PYTEST_CURRENT_TEST",
)
"""Settings this test process carries that a child app must not inherit by accident."""


def app_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment minus every app setting, plus `settings` and the venv's Node.

    Node comes from the venv (Reflex needs Node >= 22.22) and npm replaces bun.
    """
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    bin_dir = str(Path(sys.executable).parent)
    env.update(PATH=f"{bin_dir}:{env.get('PATH', '')}", REFLEX_USE_NPM="1")
    env.update(settings)
    return env
