"""Errors the stand-in answers with; reason codes follow Clerk's Frontend API where it has one."""

from __future__ import annotations

from clerk_fullstack.errors import AppError


class LocalClerkError(AppError):
    """A request to the stand-in was refused."""

    status_code = 400
    reason = "local-clerk-error"


class NotSignedInError(LocalClerkError):
    """No active session matches the client token (signed out, revoked, or user deleted)."""

    status_code = 401
    reason = "signed_out"


class SecretKeyError(LocalClerkError):
    """A Backend API call came without the secret key."""

    status_code = 401
    reason = "authentication_invalid"


class IdentifierNotFoundError(LocalClerkError):
    """Sign-in with an email address no user has."""

    status_code = 404
    reason = "form_identifier_not_found"


class IdentifierExistsError(LocalClerkError):
    """Sign-up with an email address another user already has."""

    status_code = 422
    reason = "form_identifier_exists"


class InvalidFormError(LocalClerkError):
    """A form field is missing or malformed; the message names it."""

    status_code = 422
    reason = "form_param_invalid"


class NotLoopbackError(LocalClerkError):
    """The stand-in signs anyone in without a password, so it answers this machine only."""

    status_code = 403
    reason = "loopback_only"


class CrossSiteRequestError(LocalClerkError):
    """A browser call from a page that is not the app (another site posting to the stand-in)."""

    status_code = 403
    reason = "origin_invalid"


class UnsupportedMediaTypeError(LocalClerkError):
    """Forms must be JSON: a cross-site page cannot send that without a CORS preflight."""

    status_code = 415
    reason = "unsupported_media_type"
