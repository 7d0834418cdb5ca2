"""Errors the emulator answers with, in Clerk's shape: `{errors: [{code, message, long_message,
meta: {param_name}}]}`. Codes are Clerk's own, so Clerk's UI shows each on the right field."""

from __future__ import annotations

from typing import Any

from clerk_fullstack.core.errors import AppError


class LocalClerkError(AppError):
    """A request to the emulator was refused."""

    status_code = 400
    reason = "bad_request"
    param_name: str | None = None

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        param_name: str | None = None,
        long_message: str | None = None,
    ) -> None:
        super().__init__(message, reason=reason)
        if param_name is not None:
            self.param_name = param_name
        self.long_message = long_message or message

    def clerk_json(self) -> dict[str, Any]:
        """The body Clerk's APIs answer with."""
        error: dict[str, Any] = {
            "code": self.reason,
            "message": self.message,
            "long_message": self.long_message,
            "meta": {"param_name": self.param_name} if self.param_name else {},
        }
        return {"errors": [error], "clerk_trace_id": "local"}


class NotSignedInError(LocalClerkError):
    """No active session for this browser (signed out, revoked, expired, or user deleted)."""

    status_code = 401
    reason = "signed_out"


class DevBrowserError(LocalClerkError):
    """The development browser id is missing or unknown: clerk-js then makes a new one."""

    status_code = 401
    reason = "dev_browser_unauthenticated"


class SecretKeyError(LocalClerkError):
    """A Backend API call came without the secret key."""

    status_code = 401
    reason = "authentication_invalid"


class ResourceNotFoundError(LocalClerkError):
    """No such sign-in, sign-up or session on this browser."""

    status_code = 404
    reason = "resource_not_found"


class IdentifierNotFoundError(LocalClerkError):
    """Sign-in with an email address no user has."""

    status_code = 422
    reason = "form_identifier_not_found"
    param_name = "identifier"


class IdentifierExistsError(LocalClerkError):
    """Sign-up with an email address another user already has."""

    status_code = 422
    reason = "form_identifier_exists"
    param_name = "email_address"


class PasswordIncorrectError(LocalClerkError):
    """Sign-in with the wrong password."""

    status_code = 422
    reason = "form_password_incorrect"
    param_name = "password"


class CodeIncorrectError(LocalClerkError):
    """A verification code other than the emulator's fixed one."""

    status_code = 422
    reason = "form_code_incorrect"
    param_name = "code"


class InvalidFormError(LocalClerkError):
    """A form field is missing or malformed; `param_name` names it."""

    status_code = 422
    reason = "form_param_format_invalid"


class NotEmulatedError(LocalClerkError):
    """A Clerk feature this emulator does not offer (OAuth, organizations, passkeys, …)."""

    status_code = 422
    reason = "feature_not_enabled"


class NotLoopbackError(LocalClerkError):
    """The emulator is for this machine only."""

    status_code = 403
    reason = "loopback_only"


class CrossSiteRequestError(LocalClerkError):
    """A browser call from a page that is not allowed (another site posting to the emulator)."""

    status_code = 403
    reason = "origin_invalid"
