"""A local Clerk stand-in: the whole sign-in flow offline, trusted only through its JWKS."""

from clerk_fullstack.local_clerk.config import (
    LOCAL_FRONTEND_API_HOST,
    ROUTE_PREFIX,
    LocalClerkConfig,
    resolve_local_clerk,
)
from clerk_fullstack.local_clerk.instance import LocalClerk, SignedIn, get_local_clerk
from clerk_fullstack.local_clerk.keys import LocalSigningKey, load_signing_key
from clerk_fullstack.local_clerk.routes import local_clerk_mount
from clerk_fullstack.local_clerk.store import LocalSession, LocalUser, UserStore
from clerk_fullstack.local_clerk.tokens import issue_session_token
from clerk_fullstack.local_clerk.webhooks import WebhookSender

__all__ = [
    "LOCAL_FRONTEND_API_HOST",
    "ROUTE_PREFIX",
    "LocalClerk",
    "LocalClerkConfig",
    "LocalSession",
    "LocalSigningKey",
    "LocalUser",
    "SignedIn",
    "UserStore",
    "WebhookSender",
    "get_local_clerk",
    "issue_session_token",
    "load_signing_key",
    "local_clerk_mount",
    "resolve_local_clerk",
]
