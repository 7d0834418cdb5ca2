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
    # Prod grants CORS (Reflex's socket and our REST routes) to the browser origin only. Dev
    # serves on whatever loopback port is free: CORS admits all and the app module's
    # DevOriginGuard lets only loopback origins through.
    cors_allowed_origins=["*"] if settings.is_dev else [settings.frontend],
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)
