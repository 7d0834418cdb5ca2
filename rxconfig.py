"""Reflex configuration: app name, plugins and the CORS origin. Secrets live in settings."""

import os
import sys
from pathlib import Path

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from clerk_fullstack.core.settings import ConfigError, check_for_serving, load_settings
from clerk_fullstack.server.dev_frontend import DevFrontendHost
from clerk_fullstack.server.serving import (
    exit_with_server_status,
    keep_on_import_path,
    run_mode,
    use_uvicorn_workers,
)
from clerk_fullstack.server.state_dir import use_states_dir

try:
    settings = load_settings()
    # `reflex run` checks here, before it starts the server (see serving.run_mode).
    if (mode := run_mode(sys.argv)) is not None:
        check_for_serving(settings.model_copy(update={"reflex_env_mode": mode}))
except ConfigError as exc:
    raise SystemExit(str(exc)) from None
if mode == "prod":
    # Reflex drops gunicorn's exit status: this `reflex run` passes it on instead.
    exit_with_server_status()

# Before Reflex reads them: the backend runs on uvicorn workers (server/serving.py), and tabs'
# state files go to a private folder outside the project (server/state_dir.py).
use_uvicorn_workers()
use_states_dir(settings)
keep_on_import_path(Path(__file__).resolve().parent)
# Reflex is pinned in requirements.txt: its start-up check of PyPI for a newer Reflex would advise
# an upgrade outside the pins, and offline or behind a TLS proxy it printed a certificate error on
# a new clone's first run. REFLEX_CHECK_LATEST_VERSION=true turns it back on.
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

config = rx.Config(
    app_name="clerk_fullstack",
    # Prod grants CORS (Reflex's socket and our REST routes) to the browser origin only. Dev
    # serves on whatever loopback port is free: CORS admits all and the app module's
    # DevOriginGuard lets only loopback origins through.
    cors_allowed_origins=["*"] if settings.is_dev else [settings.frontend],
    telemetry_enabled=False,
    # How long a tab's state outlives its last event (settings.py): Reflex's default is an hour.
    redis_token_expiration=settings.reflex_redis_token_expiration,
    # The dev frontend server listens on loopback only, unless DEV_FRONTEND_HOST says otherwise.
    plugins=[rx.plugins.RadixThemesPlugin(), DevFrontendHost(settings.dev_frontend_host)],
    disable_plugins=[SitemapPlugin],
)
