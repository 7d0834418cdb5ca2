"""The Clerk configuration local mode puts in place, so the backend trusts the stand-in normally.

Nothing here bypasses verification: the backend gets an issuer, a secret key and an API URL,
and fetches the stand-in's JWKS exactly as it would fetch Clerk's.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from clerk_fullstack.local_clerk.files import read_or_create_secret
from clerk_fullstack.settings import Settings, encode_publishable_key

LOCAL_FRONTEND_API_HOST = "clerk.local.invalid"
"""The host the local publishable key encodes; `.invalid` can never be a real Clerk instance."""
ROUTE_PREFIX = "/local-clerk"
"""Where the stand-in's endpoints are mounted in the backend."""
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
    """The stand-in's base URL, which stands in for CLERK_API_URL (`…/local-clerk`)."""


def new_secret_key() -> str:
    """A secret key shaped like Clerk's development ones (`sk_test_…`)."""
    return f"sk_test_{secrets.token_urlsafe(32)}"


def new_webhook_secret() -> str:
    """A Svix signing secret: `whsec_` + base64 of 24 random bytes, as Svix generates."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def directory(settings: Settings) -> Path:
    """Where the stand-in keeps its key, secrets and users."""
    return settings.data_dir / "local_clerk"


def backend_url(settings: Settings) -> str:
    """How the backend reaches itself: the JWKS fetch and webhook deliveries go here."""
    host = settings.reflex_backend_host
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.reflex_backend_port or DEFAULT_BACKEND_PORT}"


def resolve_local_clerk(settings: Settings) -> LocalClerkConfig:
    """The values local mode uses, generating the secrets in the data folder on first run."""
    folder = directory(settings)
    return LocalClerkConfig(
        publishable_key=encode_publishable_key(LOCAL_FRONTEND_API_HOST),
        secret_key=read_or_create_secret(folder / SECRET_KEY_FILE, new_secret_key),
        webhook_secret=settings.clerk_webhook_secret
        or read_or_create_secret(folder / WEBHOOK_SECRET_FILE, new_webhook_secret),
        api_url=f"{backend_url(settings)}{ROUTE_PREFIX}",
    )
