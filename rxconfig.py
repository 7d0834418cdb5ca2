"""Reflex configuration: app name, plugins and the CORS origin. Secrets live in settings."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from clerk_fullstack.settings import ConfigError, load_settings

try:
    settings = load_settings()
except ConfigError as exc:
    raise SystemExit(str(exc)) from None

config = rx.Config(
    app_name="clerk_fullstack",
    # Only the browser origin gets CORS grants, for Reflex's socket and for our REST routes.
    cors_allowed_origins=[settings.frontend],
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)
