"""Clerk session-token verification."""

from clerk_fullstack.auth.session import SessionVerifier, get_verifier, verify_session_token
from clerk_fullstack.auth.tokens import SessionClaims, read_header, verify_token

__all__ = [
    "SessionClaims",
    "SessionVerifier",
    "get_verifier",
    "read_header",
    "verify_session_token",
    "verify_token",
]
