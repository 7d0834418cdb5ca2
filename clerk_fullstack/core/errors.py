"""One error hierarchy for the app; each error carries its HTTP status and a reason code."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

ECHO_LIMIT = 64
"""At most this many characters of an untrusted value (a kid, an event type) reach a message."""


def clip(value: object, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis, for messages and log lines."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AppError(Exception):
    """Base of every error the app turns into a JSON response."""

    status_code: int = 500
    reason: str = "internal-error"
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only defaults, overridden per class

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason


class TokenErrorReason(StrEnum):
    """Why a session token was rejected; the codes follow Clerk's backend SDK where it has one."""

    TOKEN_MISSING = "token-missing"
    TOKEN_INVALID = "token-invalid"
    TOKEN_INVALID_ALGORITHM = "token-invalid-algorithm"
    TOKEN_INVALID_SIGNATURE = "token-invalid-signature"
    TOKEN_INVALID_ISSUER = "token-invalid-issuer"
    TOKEN_INVALID_AUTHORIZED_PARTIES = "token-invalid-authorized-parties"
    TOKEN_EXPIRED = "token-expired"
    TOKEN_NOT_ACTIVE_YET = "token-not-active-yet"
    TOKEN_IAT_IN_THE_FUTURE = "token-iat-in-the-future"
    # Clerk's verifyToken has no reason of its own for these three: it says `token-invalid` for
    # the machine category, `token-invalid-authorized-parties` for a missing azp, and does not
    # check `sid` at all.
    TOKEN_INVALID_CATEGORY = "token-invalid-category"
    TOKEN_MISSING_SESSION_ID = "token-missing-session-id"
    TOKEN_MISSING_AUTHORIZED_PARTY = "token-missing-authorized-party"
    SESSION_PENDING = "session-pending"
    JWK_KID_MISMATCH = "jwk-kid-mismatch"
    JWK_REMOTE_FAILED_TO_LOAD = "jwk-remote-failed-to-load"
    JWK_REMOTE_INVALID = "jwk-remote-invalid"


class TokenVerificationError(AppError):
    """A session token failed verification; `reason` says which check."""

    status_code = 401

    def __init__(self, reason: TokenErrorReason, message: str) -> None:
        super().__init__(message, reason=reason.value)
        self.token_reason = reason


class KeysUnavailableError(TokenVerificationError):
    """The signing keys could not be loaded: our problem, not the caller's."""

    status_code = 503


class WebhookError(AppError):
    """A webhook request was rejected before anything was written."""

    status_code = 400


class PayloadTooLargeError(WebhookError):
    """A request body went over the size limit."""

    status_code = 413
    reason = "payload-too-large"


class MethodNotAllowedError(AppError):
    """A method the path does not serve (`POST /user/favoriteColor`, `GET /webhooks`)."""

    status_code = 405
    reason = "method-not-allowed"

    def __init__(self, method: str, path: str, allowed: Iterable[str]) -> None:
        methods = ", ".join(sorted(allowed))
        super().__init__(f"{clip(method)} is not served at {path}; use {methods}")
        self.headers = {"Allow": methods}


class DatabaseUnavailableError(AppError):
    """MongoDB could not be reached; the caller should retry later."""

    status_code = 503
    reason = "database-unavailable"


class UserNotSyncedError(AppError):
    """A verified user the database does not have yet, and Clerk could not supply now."""

    status_code = 404
    reason = "user-not-synced"


class UserNotStorableError(AppError):
    """The database refused this one user document: bad input, so the sender should not retry."""

    status_code = 422
    reason = "user-not-storable"


class BodyTimeoutError(WebhookError):
    """The request body did not arrive within the read deadline."""

    status_code = 408
    reason = "body-timeout"
    headers = {"Connection": "close"}  # noqa: RUF012 - read-only


class ServerBusyError(AppError):
    """This body was pushed out by newer ones (too many bytes being read at once); the sender
    should retry shortly. The rest of the body is not read: the connection is closed."""

    status_code = 503
    reason = "server-busy"
    headers = {"Retry-After": "1", "Connection": "close"}  # noqa: RUF012 - read-only
