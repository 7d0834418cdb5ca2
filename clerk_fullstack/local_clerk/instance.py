"""The stand-in itself: sign-up, sign-in, session tokens, profile edits and deletion.

Each change to a user is announced to the app the way Clerk does it, with a webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from clerk_fullstack.clerk_instance import ClerkInstance, get_clerk_instance
from clerk_fullstack.local_clerk import config
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.errors import (
    IdentifierNotFoundError,
    NotSignedInError,
    SecretKeyError,
)
from clerk_fullstack.local_clerk.outage import webhooks_paused
from clerk_fullstack.local_clerk.outbox import Outbox
from clerk_fullstack.local_clerk.payloads import user_deleted_event, user_event
from clerk_fullstack.local_clerk.session_tokens import issue_session_token
from clerk_fullstack.local_clerk.signing_key import LocalSigningKey, load_signing_key
from clerk_fullstack.local_clerk.store import LocalSession, LocalUser, UserStore
from clerk_fullstack.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: what the browser keeps to ask for session tokens later."""

    session: LocalSession
    user: LocalUser
    client_token: str


class LocalClerk:
    """One stand-in instance: its key, its users and the webhook endpoint it reports to."""

    def __init__(
        self,
        *,
        store: UserStore,
        signing_key: LocalSigningKey,
        issuer: str,
        secret_key: str,
        webhooks: WebhookSender,
        default_party: str,
    ) -> None:
        self.store = store
        self.signing_key = signing_key
        self.issuer = issuer
        self._secret_key = secret_key
        self.webhooks = webhooks
        self.default_party = default_party

    @classmethod
    def for_instance(cls, instance: ClerkInstance, settings: Settings) -> LocalClerk:
        """The stand-in behind a local Clerk instance, keeping its files in the data folder."""
        if not (instance.local and instance.secret_key and instance.webhook_secret):
            raise ValueError("the local Clerk stand-in runs only in local mode")
        folder = config.directory(settings)
        return cls(
            store=UserStore(folder),
            signing_key=load_signing_key(folder),
            issuer=instance.issuer,
            secret_key=instance.secret_key,
            webhooks=WebhookSender(
                f"{config.backend_url(settings)}/webhooks",
                instance.webhook_secret,
                outbox=Outbox(folder / "outbox"),
            ),
            default_party=settings.frontend,
        )

    @property
    def instance_id(self) -> str:
        """The `ins_…` id, which is also the signing key's `kid`, as with Clerk."""
        return self.signing_key.kid

    def check_secret_key(self, authorization: str | None) -> None:
        """Backend API calls must carry `Authorization: Bearer <secret key>`."""
        scheme, _, credentials = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            credentials.strip().encode(), self._secret_key.encode()
        ):
            raise SecretKeyError("The secret key is missing or wrong")

    async def sign_up(
        self,
        *,
        email_address: str,
        first_name: str | None,
        last_name: str | None,
        user_agent: str = "",
    ) -> SignedIn:
        """Create the user, sign them in, and send `user.created`."""
        user = await asyncio.to_thread(
            self.store.create_user,
            email_address=email_address,
            first_name=first_name,
            last_name=last_name,
        )
        session, client_token = await asyncio.to_thread(self.store.create_session, user.id)
        user = await self._user(user.id)
        self._announce(
            user_event("user.created", user, instance_id=self.instance_id, user_agent=user_agent)
        )
        return SignedIn(session=session, user=user, client_token=client_token)

    async def sign_in(self, *, email_address: str) -> SignedIn:
        """Start a session for an existing user (the stand-in asks for no password)."""
        user = await asyncio.to_thread(self.store.find_by_email, email_address)
        if user is None:
            raise IdentifierNotFoundError("Couldn't find your account.")
        session, client_token = await asyncio.to_thread(self.store.create_session, user.id)
        return SignedIn(session=session, user=await self._user(user.id), client_token=client_token)

    async def current(self, client_token: str | None) -> tuple[LocalSession, LocalUser]:
        """The active session and user behind a client token, or `NotSignedInError`."""
        return await asyncio.to_thread(self.store.authenticate, client_token)

    async def session_token(
        self, client_token: str | None, *, session_id: str, origin: str | None
    ) -> str:
        """A fresh 60-second session token for the session the client holds."""
        session, user = await self.current(client_token)
        if session.id != session_id:
            raise NotSignedInError("This client does not hold that session")
        return issue_session_token(
            self.signing_key,
            user_id=user.id,
            session_id=session.id,
            issuer=self.issuer,
            authorized_party=(origin or self.default_party).rstrip("/"),
            session_started_at=session.created_at,
        )

    async def update_names(
        self,
        client_token: str | None,
        *,
        first_name: str | None,
        last_name: str | None,
        user_agent: str = "",
    ) -> LocalUser:
        """Change the signed-in user's names and send `user.updated`."""
        _, user = await self.current(client_token)
        user = await asyncio.to_thread(
            self.store.update_names, user.id, first_name=first_name, last_name=last_name
        )
        self._announce(
            user_event("user.updated", user, instance_id=self.instance_id, user_agent=user_agent)
        )
        return user

    async def delete_account(self, client_token: str | None, *, user_agent: str = "") -> str:
        """Delete the signed-in user (ending every session) and send `user.deleted`."""
        _, user = await self.current(client_token)
        await asyncio.to_thread(self.store.delete_user, user.id)
        self._announce(
            user_deleted_event(user.id, instance_id=self.instance_id, user_agent=user_agent)
        )
        return user.id

    async def sign_out(self, client_token: str | None, *, session_id: str) -> None:
        """End the session the client holds."""
        session, _ = await self.current(client_token)
        if session.id != session_id:
            raise NotSignedInError("This client does not hold that session")
        await asyncio.to_thread(self.store.end_session, session.id)

    def _announce(self, event: dict[str, Any]) -> None:
        """Send the event as a webhook, unless the outage switch drops it."""
        if webhooks_paused(self.store.directory):
            logger.warning("Webhooks are paused: %s not sent", event.get("type"))
            return
        self.webhooks.send(event)

    async def _user(self, user_id: str) -> LocalUser:
        user = await asyncio.to_thread(self.store.get_user, user_id)
        if user is None:
            raise NotSignedInError("The user no longer exists")
        return user


@functools.cache
def get_local_clerk() -> LocalClerk:
    """The process-wide stand-in, built from the settings on first use."""
    return LocalClerk.for_instance(get_clerk_instance(), get_settings())


@contextlib.asynccontextmanager
async def webhook_lifespan() -> AsyncIterator[None]:
    """At start, resume the webhooks an earlier process left pending; stop at shutdown.

    A message cut off mid-attempt stays claimed for its lease, then the next process takes it.
    """
    webhooks = get_local_clerk().webhooks
    webhooks.resume()
    try:
        yield
    finally:
        webhooks.cancel()
