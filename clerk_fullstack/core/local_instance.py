"""The Clerk configuration local mode puts in place, so the backend trusts the emulator normally.

Nothing here bypasses verification: the backend gets an issuer, a secret key and an API URL,
and fetches the emulator's JWKS exactly as it would fetch Clerk's.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from clerk_fullstack.core.files import read_or_create_secret
from clerk_fullstack.core.settings import ConfigError, Settings, encode_publishable_key

LOCAL_FRONTEND_API_HOST = "local-emulator.clerk.accounts.dev"
"""The host the emulator's publishable key encodes. A development-instance suffix turns on
clerk-js's development-browser handshake, as with a real development instance; the host itself
is never contacted, because the app always gives clerk-js the emulator's proxy URL."""
ROUTE_PREFIX = "/local-clerk"
"""Where the emulator is mounted in the app's backend: its Frontend API (Clerk's proxy URL) and
its Backend API (CLERK_API_URL) share this base, as their paths do not overlap."""
DEFAULT_BACKEND_PORT = 8000
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
WEBHOOK_SECRET_FILE = "webhook_secret"  # noqa: S105 - a file name
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - names of wildcard binds, not a bind


@dataclass(frozen=True, slots=True)
class LocalClerkConfig:
    """The effective Clerk configuration in local mode."""

    publishable_key: str
    secret_key: str
    webhook_secret: str
    api_url: str
    """The emulator's base URL: CLERK_API_URL, and (as the browser sees it) the proxy URL."""

    @property
    def issuer(self) -> str:
        """The `iss` of the emulator's session tokens."""
        return f"https://{LOCAL_FRONTEND_API_HOST}"


def new_secret_key() -> str:
    """A secret key shaped like Clerk's development ones (`sk_test_…`)."""
    return f"sk_test_{secrets.token_urlsafe(32)}"


def new_webhook_secret() -> str:
    """A Svix signing secret: `whsec_` + base64 of 24 random bytes, as Svix generates."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def directory(settings: Settings) -> Path:
    """Where the emulator keeps its key, secrets and users."""
    return settings.data_dir / "local_clerk"


def require_backend_port(settings: Settings) -> None:
    """Refuse to serve the emulator without REFLEX_BACKEND_PORT: `backend_url` would guess 8000.

    `reflex run` always sets it. A server started another way (uvicorn, gunicorn or Granian
    directly) does not, and a guessed port may be another program's: the backend would trust its
    signing keys and send it this emulator's webhooks (users' emails).
    """
    if settings.reflex_backend_port is None:
        raise ConfigError(
            "Invalid configuration:\n  REFLEX_BACKEND_PORT: in local mode the backend fetches the "
            "emulator's signing keys and delivers its webhooks on its own port, and this server "
            "was not started by `reflex run`, which sets it. Set REFLEX_BACKEND_PORT to the port "
            "this server listens on"
        )


def backend_url(settings: Settings) -> str:
    """How the backend reaches itself: the JWKS fetch and webhook deliveries go here.

    Without a port (`reflex export`, a frontend-only compile) it says 8000, Reflex's default; a
    process that serves the emulator checks `require_backend_port` first.
    """
    host = settings.reflex_backend_host
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.reflex_backend_port or DEFAULT_BACKEND_PORT}"


def emulator_config(
    folder: Path, api_url: str, webhook_secret: str | None = None
) -> LocalClerkConfig:
    """An emulator's keys, kept in `folder` (generated on first run), served at `api_url`."""
    return LocalClerkConfig(
        publishable_key=encode_publishable_key(LOCAL_FRONTEND_API_HOST),
        secret_key=read_or_create_secret(folder / SECRET_KEY_FILE, new_secret_key),
        webhook_secret=webhook_secret
        or read_or_create_secret(folder / WEBHOOK_SECRET_FILE, new_webhook_secret),
        api_url=api_url,
    )


def resolve_local_clerk(settings: Settings) -> LocalClerkConfig:
    """The values local mode uses, generating the secrets in the data folder on first run."""
    return emulator_config(
        directory(settings),
        f"{backend_url(settings)}{ROUTE_PREFIX}",
        settings.clerk_webhook_secret,
    )
