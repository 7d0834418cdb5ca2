"""The emulator's behaviour: browsers, sign-up and sign-in flows, sessions, tokens, profile edits.

Every method is one transaction on the store. Each change to a user is announced the way Clerk
does it, with a Svix-signed webhook. Email codes are never sent: the code is always `424242`,
as with Clerk's test email addresses.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from clerk_fullstack.core.settings import CLERK_SESSION_TOKEN_SECONDS
from clerk_fullstack.local_clerk.delivery import WebhookSender
from clerk_fullstack.local_clerk.errors import (
    CodeIncorrectError,
    DevBrowserError,
    IdentifierExistsError,
    IdentifierNotFoundError,
    InvalidFormError,
    NotSignedInError,
    PasswordIncorrectError,
    ResourceNotFoundError,
    SecretKeyError,
)
from clerk_fullstack.local_clerk.outage import webhooks_paused
from clerk_fullstack.local_clerk.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_password,
    hash_password,
)
from clerk_fullstack.local_clerk.payloads import user_deleted_event, user_event
from clerk_fullstack.local_clerk.resources import (
    client_json,
    session_json,
    sign_in_json,
    sign_up_json,
    user_json,
)
from clerk_fullstack.local_clerk.session_tokens import issue_session_token
from clerk_fullstack.local_clerk.signing_key import LocalSigningKey
from clerk_fullstack.local_clerk.store import (
    LocalClient,
    LocalSession,
    LocalUser,
    Records,
    SignInAttempt,
    SignUpAttempt,
    UserStore,
    new_id,
    now_ms,
    secret_hash,
)

logger = logging.getLogger(__name__)

TEST_CODE = "424242"
"""The one email code the emulator accepts, as Clerk's test mode does for `+clerk_test` emails."""
CODE_LIFETIME_MS = 10 * 60 * 1000
MAX_CODE_ATTEMPTS = 5
MAX_NAME_LENGTH = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

T = TypeVar("T")
Form = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling the Frontend API: their development browser, page origin and user agent."""

    browser_id: str | None
    origin: str | None = None
    user_agent: str = ""
    session_id: str | None = None
    """`_clerk_session_id`, which clerk-js adds to calls made for one session."""


def clean_email(value: str | None) -> str:
    """A trimmed, lower-cased email address, or an error on the email field."""
    if value is None or not _EMAIL.match(value.strip()) or len(value) > 320:
        raise InvalidFormError(
            "Email address must be a valid email address.", param_name="email_address"
        )
    return value.strip().lower()


def clean_name(value: str | None, name: str) -> str | None:
    """A trimmed name (empty means none), or an error on that field."""
    if value is None:
        return None
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidFormError(
            f"{name} must be at most {MAX_NAME_LENGTH} characters.", param_name=name
        )
    if not value.isprintable():  # control characters, and lone surrogates (category Cs)
        raise InvalidFormError(f"{name} has characters a name cannot have.", param_name=name)
    return value.strip() or None


def clean_password(value: str | None) -> str:
    """A password within Clerk's default length limits, or an error on the password field."""
    if value is None or not MIN_LENGTH <= len(value) <= MAX_LENGTH:
        raise InvalidFormError(
            f"Passwords must be {MIN_LENGTH} characters or more.",
            reason="form_password_length_too_short",
            param_name="password",
        )
    return value


def check_code(attempts: int, code: str | None) -> None:
    """Accept only the emulator's fixed code; too many wrong tries end the verification."""
    if attempts > MAX_CODE_ATTEMPTS:
        raise CodeIncorrectError(
            "Too many failed attempts. Request a new code.", reason="verification_failed"
        )
    if code != TEST_CODE:
        raise CodeIncorrectError("Incorrect code", long_message=f"Incorrect code. Use {TEST_CODE}.")


class LocalClerk:
    """One emulated Clerk instance: its key, its records and the webhook endpoint it reports to."""

    def __init__(
        self,
        *,
        store: UserStore,
        signing_key: LocalSigningKey,
        issuer: str,
        secret_key: str,
        webhooks: WebhookSender | None,
        default_party: str,
        application_name: str = "Local Clerk",
        token_seconds: int = CLERK_SESSION_TOKEN_SECONDS,
    ) -> None:
        self.store = store
        self.signing_key = signing_key
        self.issuer = issuer
        self._secret_key = secret_key
        self.webhooks = webhooks
        self.default_party = default_party
        self.application_name = application_name
        self.token_seconds = token_seconds
        """How long the session tokens it issues live."""
        self.loop: asyncio.AbstractEventLoop | None = None
        """The event loop webhooks are sent from when a transaction runs in a worker thread."""

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

    # -- tokens and JSON -------------------------------------------------------------------

    def mint(self, caller: Caller) -> Callable[[LocalSession, LocalUser], str]:
        """A token minter for this caller: `azp` is the page's origin, as with Clerk."""
        party = (caller.origin or self.default_party).rstrip("/")

        def mint(session: LocalSession, user: LocalUser) -> str:
            return issue_session_token(
                self.signing_key,
                user_id=user.id,
                session_id=session.id,
                issuer=self.issuer,
                authorized_party=party,
                session_started_at=session.created_at,
                lifetime=self.token_seconds,
            )

        return mint

    def envelope(
        self, caller: Caller, records: Records, client: LocalClient, response: Any
    ) -> dict[str, Any]:
        """`{response, client}`: every resource call answers with the browser's client too."""
        client.updated_at = max(now_ms(), client.updated_at)
        return {"response": response, "client": client_json(client, records, self.mint(caller))}

    # -- browsers --------------------------------------------------------------------------

    def new_browser(self) -> str:
        """`POST /v1/dev_browser`: a new development browser id, with its (empty) client."""
        browser_id = f"dvb_{secrets.token_urlsafe(24)}"
        now = now_ms()
        with self.store.transaction(write=True) as records:
            client = LocalClient(
                id=new_id("client"),
                browser_hash=secret_hash(browser_id),
                created_at=now,
                updated_at=now,
            )
            records.clients[client.id] = client
        return browser_id

    def _client(self, records: Records, caller: Caller) -> LocalClient:
        client = records.client_by_browser(caller.browser_id) if caller.browser_id else None
        if client is None:
            raise DevBrowserError("Unable to authenticate the development browser")
        return client

    def call(
        self,
        caller: Caller,
        action: Callable[[Records, LocalClient], T],
        *,
        write: bool = True,
    ) -> T:
        """Run `action` on the caller's client in one transaction."""
        with self.store.transaction(write=write) as records:
            return action(records, self._client(records, caller))

    def client(self, caller: Caller) -> dict[str, Any]:
        """`GET /v1/client`: the browser's client (Clerk answers it as both fields)."""

        def view(records: Records, client: LocalClient) -> dict[str, Any]:
            for session in records.sessions_of(client):
                records.live_session(session.id, self.store.clock())
            return {"response": client_json(client, records, self.mint(caller)), "client": None}

        return self.call(caller, view, write=False)

    # -- sign-up ---------------------------------------------------------------------------

    def create_sign_up(self, caller: Caller, form: Form) -> dict[str, Any]:
        """`POST /v1/client/sign_ups`: start a sign-up (email, password, optional names)."""

        def create(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt = SignUpAttempt(
                id=new_id("sua"),
                email_address=None,
                password_hash=None,
                first_name=None,
                last_name=None,
                created_at=now_ms(),
            )
            self._fill_sign_up(records, attempt, form)
            client.sign_up = attempt
            client.sign_in = None
            return self.envelope(caller, records, client, sign_up_json(attempt))

        return self.call(caller, create)

    def update_sign_up(self, caller: Caller, sign_up_id: str, form: Form) -> dict[str, Any]:
        """`PATCH /v1/client/sign_ups/{id}`: add or change fields."""

        def update(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt = self._sign_up(client, sign_up_id)
            self._fill_sign_up(records, attempt, form)
            return self.envelope(caller, records, client, sign_up_json(attempt))

        return self.call(caller, update)

    def _fill_sign_up(self, records: Records, attempt: SignUpAttempt, form: Form) -> None:
        if "email_address" in form:
            email = clean_email(form["email_address"])
            if records.user_by_email(email) is not None:
                raise IdentifierExistsError("That email address is taken. Please try another.")
            if email != attempt.email_address:
                attempt.verification_status = "unverified"
                attempt.verification_expire_at = None
                attempt.attempts = 0
            attempt.email_address = email
        if "password" in form:
            attempt.password_hash = hash_password(clean_password(form["password"]))
        for name in ("first_name", "last_name"):
            if name in form:
                setattr(attempt, name, clean_name(form[name], name))

    def _sign_up(self, client: LocalClient, sign_up_id: str) -> SignUpAttempt:
        if client.sign_up is None or client.sign_up.id != sign_up_id:
            raise ResourceNotFoundError("No sign-up with this id on this browser")
        return client.sign_up

    def prepare_sign_up(self, caller: Caller, sign_up_id: str, form: Form) -> dict[str, Any]:
        """`…/prepare_verification`: "send" the email code (it is always 424242)."""

        def prepare(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt = self._sign_up(client, sign_up_id)
            if form.get("strategy", "email_code") != "email_code":
                raise InvalidFormError("Only email_code is emulated", param_name="strategy")
            if attempt.email_address is None:
                raise InvalidFormError("Enter an email address first", param_name="email_address")
            attempt.verification_status = "unverified"
            attempt.verification_expire_at = now_ms() + CODE_LIFETIME_MS
            attempt.attempts = 0
            logger.warning(
                "Local Clerk: the verification code for %s is %s", attempt.email_address, TEST_CODE
            )
            return self.envelope(caller, records, client, sign_up_json(attempt))

        return self.call(caller, prepare)

    def attempt_sign_up(self, caller: Caller, sign_up_id: str, form: Form) -> dict[str, Any]:
        """`…/attempt_verification`: check the code; on success create the user and sign in."""
        events: list[dict[str, Any]] = []

        def attempt_code(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt = self._sign_up(client, sign_up_id)
            if attempt.verification_expire_at is None:
                attempt.verification_expire_at = now_ms() + CODE_LIFETIME_MS
            attempt.attempts += 1
            records.changed = True
            check_code(attempt.attempts, form.get("code"))
            attempt.verification_status = "verified"
            if (
                attempt.email_address
                and attempt.password_hash
                and attempt.created_session_id is None
            ):
                if records.user_by_email(attempt.email_address) is not None:
                    raise IdentifierExistsError("That email address is taken. Please try another.")
                now = max(
                    now_ms(), max((u.created_at for u in records.users.values()), default=0) + 1
                )
                user = LocalUser(
                    id=new_id("user"),
                    email_address=attempt.email_address,
                    email_address_id=new_id("idn"),
                    first_name=attempt.first_name,
                    last_name=attempt.last_name,
                    created_at=now,
                    updated_at=now,
                    password_hash=attempt.password_hash,
                )
                records.users[user.id] = user
                session = records.start_session(client, user, self.store.clock())
                attempt.created_user_id = user.id
                attempt.created_session_id = session.id
                client.last_authentication_strategy = "email_code"
                events.append(self._user_event("user.created", user, caller))
            return self.envelope(caller, records, client, sign_up_json(attempt))

        return self._announcing(events, self.call(caller, attempt_code))

    # -- sign-in ---------------------------------------------------------------------------

    def create_sign_in(self, caller: Caller, form: Form) -> dict[str, Any]:
        """`POST /v1/client/sign_ins`: identify the user (and try a password when one is sent)."""

        def create(records: Records, client: LocalClient) -> dict[str, Any]:
            identifier = (form.get("identifier") or "").strip().lower()
            user = records.user_by_email(identifier) if identifier else None
            if user is None:
                raise IdentifierNotFoundError("Couldn't find your account.")
            attempt = SignInAttempt(
                id=new_id("sia"), identifier=identifier, user_id=user.id, created_at=now_ms()
            )
            client.sign_in = attempt
            client.sign_up = None
            if form.get("strategy") == "password" and "password" in form:
                self._first_factor(records, client, attempt, user, form)
            return self.envelope(caller, records, client, sign_in_json(attempt, user))

        return self.call(caller, create)

    def _sign_in(
        self, records: Records, client: LocalClient, sign_in_id: str
    ) -> tuple[SignInAttempt, LocalUser]:
        attempt = client.sign_in
        if attempt is None or attempt.id != sign_in_id:
            raise ResourceNotFoundError("No sign-in with this id on this browser")
        user = records.users.get(attempt.user_id)
        if user is None:
            raise IdentifierNotFoundError("Couldn't find your account.")
        return attempt, user

    def prepare_first_factor(self, caller: Caller, sign_in_id: str, form: Form) -> dict[str, Any]:
        """`…/prepare_first_factor`: "send" an email code (always 424242)."""

        def prepare(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt, user = self._sign_in(records, client, sign_in_id)
            strategy = form.get("strategy")
            if strategy != "email_code":
                raise InvalidFormError("Only email_code is emulated", param_name="strategy")
            attempt.strategy = strategy
            attempt.verification_status = "unverified"
            attempt.verification_expire_at = now_ms() + CODE_LIFETIME_MS
            attempt.attempts = 0
            logger.warning(
                "Local Clerk: the sign-in code for %s is %s", user.email_address, TEST_CODE
            )
            return self.envelope(caller, records, client, sign_in_json(attempt, user))

        return self.call(caller, prepare)

    def attempt_first_factor(self, caller: Caller, sign_in_id: str, form: Form) -> dict[str, Any]:
        """`…/attempt_first_factor`: a password or an email code; on success, a new session."""

        def attempt_factor(records: Records, client: LocalClient) -> dict[str, Any]:
            attempt, user = self._sign_in(records, client, sign_in_id)
            self._first_factor(records, client, attempt, user, form)
            return self.envelope(caller, records, client, sign_in_json(attempt, user))

        return self.call(caller, attempt_factor)

    def _first_factor(
        self,
        records: Records,
        client: LocalClient,
        attempt: SignInAttempt,
        user: LocalUser,
        form: Form,
    ) -> None:
        strategy = form.get("strategy")
        attempt.attempts += 1
        records.changed = True
        if strategy == "password":
            attempt.strategy = "password"
            if not check_password(form.get("password") or "", user.password_hash):
                attempt.verification_status = "failed"
                raise PasswordIncorrectError(
                    "Password is incorrect. Try again, or use another method.",
                )
        elif strategy == "email_code":
            if attempt.strategy != "email_code" or attempt.verification_expire_at is None:
                raise InvalidFormError(
                    "Request a code first", reason="verification_missing", param_name="code"
                )
            check_code(attempt.attempts, form.get("code"))
        else:
            raise InvalidFormError("Use a password or an email code", param_name="strategy")
        attempt.verification_status = "verified"
        session = records.start_session(client, user, self.store.clock())
        attempt.created_session_id = session.id
        client.last_authentication_strategy = strategy

    # -- sessions --------------------------------------------------------------------------

    def _session(self, records: Records, client: LocalClient, session_id: str) -> LocalSession:
        session = records.live_session(session_id, self.store.clock())
        if session is None or session.client_id != client.id:
            raise NotSignedInError("This browser does not hold that session")
        return session

    def touch(self, caller: Caller, session_id: str) -> dict[str, Any]:
        """`…/touch`: make the session the active one (`setActive`)."""

        def touch(records: Records, client: LocalClient) -> dict[str, Any]:
            session = self._session(records, client, session_id)
            client.last_active_session_id = session.id
            user = records.users[session.user_id]
            return self.envelope(
                caller, records, client, session_json(session, user, self.mint(caller))
            )

        return self.call(caller, touch)

    def session_token(self, caller: Caller, session_id: str) -> dict[str, Any]:
        """`…/tokens`: a fresh 60-second session token."""

        def token(records: Records, client: LocalClient) -> dict[str, Any]:
            session = self._session(records, client, session_id)
            return {
                "object": "token",
                "jwt": self.mint(caller)(session, records.users[session.user_id]),
            }

        return self.call(caller, token, write=False)

    def end_session(self, caller: Caller, session_id: str) -> dict[str, Any]:
        """`…/end` or `…/remove`: sign one session out."""

        def end(records: Records, client: LocalClient) -> dict[str, Any]:
            session = self._session(records, client, session_id)
            user = records.users[session.user_id]
            records.end_session(session.id)
            ended = session_json(session, user, self.mint(caller), status="ended")
            return self.envelope(caller, records, client, ended)

        return self.call(caller, end)

    def sign_out(self, caller: Caller) -> dict[str, Any]:
        """`DELETE /v1/client/sessions` (and `DELETE /v1/client`): sign every session out."""

        def sign_out(records: Records, client: LocalClient) -> dict[str, Any]:
            for session in records.sessions_of(client):
                records.end_session(session.id)
            client.sign_in = None
            client.sign_up = None
            body = self.envelope(caller, records, client, None)
            body["response"] = body["client"]
            return body

        return self.call(caller, sign_out)

    # -- the signed-in user ----------------------------------------------------------------

    def _me(
        self, records: Records, client: LocalClient, caller: Caller
    ) -> tuple[LocalSession, LocalUser]:
        session_id = caller.session_id or client.last_active_session_id
        if session_id is None:
            raise NotSignedInError("Sign in first")
        session = self._session(records, client, session_id)
        return session, records.users[session.user_id]

    def me(self, caller: Caller) -> dict[str, Any]:
        """`GET /v1/me`."""

        def me(records: Records, client: LocalClient) -> dict[str, Any]:
            _, user = self._me(records, client, caller)
            return self.envelope(caller, records, client, user_json(user))

        return self.call(caller, me, write=False)

    def active_sessions(self, caller: Caller) -> list[dict[str, Any]]:
        """`GET /v1/me/sessions/active`: the user's sessions, for "Active devices"."""

        def sessions(records: Records, client: LocalClient) -> list[dict[str, Any]]:
            _, user = self._me(records, client, caller)
            mine = [s for s in records.sessions.values() if s.user_id == user.id]
            listed = []
            for session in mine:
                item = session_json(session, user, self.mint(caller))
                item["user"] = None
                item["latest_activity"] = {
                    "object": "session_activity",
                    "id": f"sess_activity_{session.id}",
                    "browser_name": "Local browser",
                    "device_type": "",
                    "ip_address": "127.0.0.1",
                    "is_mobile": False,
                }
                listed.append(item)
            return listed

        return self.call(caller, sessions, write=False)

    def revoke_session(self, caller: Caller, session_id: str) -> dict[str, Any]:
        """`POST /v1/me/sessions/{id}/revoke`: sign another device of the user's out."""

        def revoke(records: Records, client: LocalClient) -> dict[str, Any]:
            _, user = self._me(records, client, caller)
            session = records.sessions.get(session_id)
            if session is None or session.user_id != user.id:
                raise ResourceNotFoundError("No such session for this user")
            records.end_session(session.id)
            ended = session_json(session, user, self.mint(caller), status="revoked")
            ended["user"] = None
            return self.envelope(caller, records, client, ended)

        return self.call(caller, revoke)

    def update_me(self, caller: Caller, form: Form) -> dict[str, Any]:
        """`PATCH /v1/me`: change names; sends `user.updated`."""
        events: list[dict[str, Any]] = []

        def update(records: Records, client: LocalClient) -> dict[str, Any]:
            _, user = self._me(records, client, caller)
            for name in ("first_name", "last_name"):
                if name in form:
                    setattr(user, name, clean_name(form[name], name))
            user.updated_at = max(now_ms(), user.updated_at + 1)
            events.append(self._user_event("user.updated", user, caller))
            return self.envelope(caller, records, client, user_json(user))

        return self._announcing(events, self.call(caller, update))

    def change_password(self, caller: Caller, form: Form) -> dict[str, Any]:
        """`POST /v1/me/change_password`: needs the current password when one is set."""
        events: list[dict[str, Any]] = []

        def change(records: Records, client: LocalClient) -> dict[str, Any]:
            session, user = self._me(records, client, caller)
            if user.password_hash and not check_password(
                form.get("current_password") or "", user.password_hash
            ):
                raise PasswordIncorrectError(
                    "Password is incorrect.", param_name="current_password"
                )
            new_password = clean_password(form.get("new_password"))
            user.password_hash = hash_password(new_password)
            user.updated_at = max(now_ms(), user.updated_at + 1)
            if form.get("sign_out_of_other_sessions") == "true":
                for other in [s for s in records.sessions.values() if s.user_id == user.id]:
                    if other.id != session.id:
                        records.end_session(other.id)
            events.append(self._user_event("user.updated", user, caller))
            return self.envelope(caller, records, client, user_json(user))

        return self._announcing(events, self.call(caller, change))

    def delete_me(self, caller: Caller) -> dict[str, Any]:
        """`DELETE /v1/me`: delete the account and every session; sends `user.deleted`."""
        events: list[dict[str, Any]] = []

        def delete(records: Records, client: LocalClient) -> dict[str, Any]:
            _, user = self._me(records, client, caller)
            records.delete_user(user.id)
            events.append(
                user_deleted_event(
                    user.id, instance_id=self.instance_id, user_agent=caller.user_agent
                )
            )
            stub = {"object": "user", "id": user.id, "deleted": True}
            return self.envelope(caller, records, client, stub)

        return self._announcing(events, self.call(caller, delete))

    # -- webhooks --------------------------------------------------------------------------

    def _user_event(self, event_type: str, user: LocalUser, caller: Caller) -> dict[str, Any]:
        """`user.created` or `user.updated` for `user`, as Clerk sends it."""
        return user_event(
            event_type, user, instance_id=self.instance_id, user_agent=caller.user_agent
        )

    def _announcing(self, events: list[dict[str, Any]], result: T) -> T:
        """Send what a committed transaction collected, then hand back its result."""
        for event in events:
            self._announce(event)
        return result

    def _announce(self, event: dict[str, Any]) -> None:
        """Send the event as a webhook, unless the outage switch drops it."""
        if self.webhooks is None:
            logger.info("No webhook URL: %s not sent", event.get("type"))
            return
        if webhooks_paused(self.store.directory):
            logger.warning("Webhooks are paused: %s not sent", event.get("type"))
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self.loop is None:
                raise RuntimeError("no event loop to send webhooks from") from None
            self.loop.call_soon_threadsafe(self.webhooks.send, event)
        else:
            self.webhooks.send(event)
