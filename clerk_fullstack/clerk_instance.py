"""The Clerk instance the app trusts: real Clerk from settings, or the local stand-in.

Resolving it is an explicit start-up step, not part of reading settings: in local mode it
generates the stand-in's secrets in the data folder on first run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from clerk_fullstack.settings import Settings, decode_publishable_key, get_settings


@dataclass(frozen=True, slots=True)
class ClerkInstance:
    """Where session tokens come from and how the backend checks them and its webhooks."""

    local: bool
    """Whether this is the offline stand-in."""
    publishable_key: str
    secret_key: str | None
    webhook_secret: str | None
    api_url: str
    """Clerk's Backend API (`https://api.clerk.com`), or the stand-in's."""
    jwt_key: str | None
    """A PEM public key for networkless verification, when set."""

    @property
    def issuer(self) -> str:
        """The `iss` every session token must carry: `https://<host from the publishable key>`."""
        return f"https://{decode_publishable_key(self.publishable_key)}"

    @property
    def jwks_url(self) -> str:
        """Where the backend fetches the signing keys when no PEM key is set."""
        return f"{self.api_url}/v1/jwks"


def resolve_clerk_instance(settings: Settings) -> ClerkInstance:
    """The instance the settings describe; in local mode, the stand-in's (files created once)."""
    if settings.use_local_clerk:
        # Imported here so that Clerk mode never loads the stand-in.
        from clerk_fullstack.local_clerk.config import resolve_local_clerk

        local = resolve_local_clerk(settings)
        return ClerkInstance(
            local=True,
            publishable_key=local.publishable_key,
            secret_key=local.secret_key,
            webhook_secret=local.webhook_secret,
            api_url=local.api_url,
            jwt_key=None,
        )
    if settings.clerk_publishable_key is None:
        raise AssertionError("settings validation requires CLERK_PUBLISHABLE_KEY in Clerk mode")
    return ClerkInstance(
        local=False,
        publishable_key=settings.clerk_publishable_key,
        secret_key=settings.clerk_secret_key,
        webhook_secret=settings.clerk_webhook_secret,
        api_url=settings.clerk_api_url,
        jwt_key=settings.clerk_jwt_key,
    )


@functools.cache
def get_clerk_instance() -> ClerkInstance:
    """The process-wide instance, resolved on first use (at start, by the app module)."""
    return resolve_clerk_instance(get_settings())
