"""Pure verification of Clerk session tokens (RS256 JWTs) with PyJWT."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from clerk_fullstack.core.errors import TokenErrorReason as Reason
from clerk_fullstack.core.errors import TokenVerificationError, clip
from clerk_fullstack.core.origins import is_loopback_origin

ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 5
MAX_TOKEN_CHARS = 8192
"""Clerk session tokens are about 1 kB (a cookie keeps them under 4 KB); anything far longer is
refused before parsing, here and in the page's state (`state/token_answer.py`)."""
TOKEN_TYPE = "JWT"  # noqa: S105 - a header value, not a secret
"""The only `typ` a header may carry (it may also leave it out), as in Clerk's verifyToken."""
SESSION_TOKEN_CATEGORY = "cl_B7d4PD111AAA"  # noqa: S105 - a category name, not a secret
"""The header's `cat` on session tokens (`@clerk/backend`'s JWT_CATEGORY_SESSION_TOKEN)."""
OTHER_TOKEN_CATEGORIES = {
    "cl_B7d4PD222AAA": "JWT template",
    "cl_B7d4PD333AAA": "machine",
}
"""Clerk's other token categories, named in rejection messages; every other `cat` is refused too."""


@dataclass(frozen=True, slots=True)
class SessionClaims:
    """The verified claims of a Clerk session token."""

    sub: str
    """The Clerk user id (`user_…`)."""
    iss: str
    exp: int
    iat: int | None = None
    nbf: int | None = None
    sid: str | None = None
    azp: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def user_id(self) -> str:
        """The Clerk user id the token speaks for."""
        return self.sub


@dataclass(frozen=True, slots=True)
class TokenHeader:
    """The parts of an unverified header needed to pick a key (its `typ` and `cat` were checked)."""

    alg: str
    kid: str | None


def read_header(token: str) -> TokenHeader:
    """Read the unverified header; refuse every algorithm but RS256 and every non-session token.

    Anything malformed (too long, not ASCII, a header that is not a JSON object, a `kid` that is
    not a string, an unsupported `crit`, a `typ` other than JWT) raises `TokenVerificationError`,
    never anything else. A `cat` that is present and not Clerk's session category (a JWT template
    or machine token, or anything else) raises it with reason `token-invalid-category`.
    """
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise TokenVerificationError(Reason.TOKEN_INVALID, "Malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.InvalidTokenError, ValueError, TypeError):
        # PyJWT raises InvalidTokenError (not only DecodeError) for a bad `kid` or `crit`.
        raise TokenVerificationError(Reason.TOKEN_INVALID, "Malformed token header") from None
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID_ALGORITHM,
            f"Invalid algorithm {clip(alg)}; only RS256 is accepted",
        )
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenVerificationError(Reason.TOKEN_INVALID, "Token header 'kid' is not a string")
    if "typ" in header and header["typ"] != TOKEN_TYPE:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID, f"Invalid token type {clip(header['typ'])}; expected 'JWT'"
        )
    if "cat" in header and header["cat"] != SESSION_TOKEN_CATEGORY:
        cat = header["cat"]
        kind = OTHER_TOKEN_CATEGORIES.get(cat) if isinstance(cat, str) else None
        raise TokenVerificationError(
            Reason.TOKEN_INVALID_CATEGORY,
            f"Not a session token: category {clip(cat)}" + (f" ({kind} token)" if kind else ""),
        )
    return TokenHeader(alg=alg, kid=kid)


def verify_token(
    token: str,
    key: RSAPublicKey,
    *,
    issuer: str,
    authorized_parties: Collection[str],
    allow_loopback: bool = False,
    leeway: float = CLOCK_SKEW_SECONDS,
    header: TokenHeader | None = None,
) -> SessionClaims:
    """Verify header, signature, time claims, issuer, session id and authorized party.

    `header` is `read_header(token)` when the caller already has it (each read costs ~50 µs).
    `authorized_parties` (or `allow_loopback`) make `azp` required, as in Clerk's verifyToken;
    `allow_loopback` also accepts any loopback `azp` (dev mode, served on any local origin).
    Raises `TokenVerificationError` whose reason names the first check that failed.
    """
    if header is None:
        read_header(token)
    options: dict[str, Any] = {"require": ["exp", "sub"], "verify_iat": False}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options=options,  # type: ignore[arg-type]
            leeway=leeway,
            issuer=issuer,
        )
    except jwt.InvalidSignatureError:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID_SIGNATURE, "Token signature is invalid"
        ) from None
    except jwt.ExpiredSignatureError:
        raise TokenVerificationError(Reason.TOKEN_EXPIRED, "Token has expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenVerificationError(
            Reason.TOKEN_NOT_ACTIVE_YET, "Token is not active yet (nbf)"
        ) from None
    except jwt.InvalidIssuerError:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID_ISSUER, f"Token issuer is not {issuer}"
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID, f"Token has no {exc.claim!r} claim"
        ) from None
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise TokenVerificationError(
            Reason.TOKEN_INVALID, f"Invalid token: {clip(str(exc), 120)}"
        ) from None
    return _check_claims(claims, authorized_parties, time.time(), leeway, allow_loopback)


def _check_claims(
    claims: dict[str, Any],
    authorized_parties: Collection[str],
    now: float,
    leeway: float,
    allow_loopback: bool = False,
) -> SessionClaims:
    """The checks PyJWT leaves to us: iat, sub, sid, azp and the session status."""
    iat = claims.get("iat")
    if iat is not None:
        if not isinstance(iat, int | float) or isinstance(iat, bool):
            raise TokenVerificationError(Reason.TOKEN_INVALID, "Token 'iat' is not a number")
        if iat > now + leeway:
            raise TokenVerificationError(
                Reason.TOKEN_IAT_IN_THE_FUTURE, "Token was issued in the future (iat)"
            )
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub:
        raise TokenVerificationError(Reason.TOKEN_INVALID, "Token 'sub' is not a user id")
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid:
        raise TokenVerificationError(
            Reason.TOKEN_MISSING_SESSION_ID, "Token has no session id ('sid'): not a session token"
        )
    azp = claims.get("azp")
    if azp is None:
        if authorized_parties or allow_loopback:
            raise TokenVerificationError(
                Reason.TOKEN_MISSING_AUTHORIZED_PARTY, "Token has no authorized party ('azp')"
            )
    elif not (
        # Exact match, as Clerk compares it (origin_allowed would forgive a trailing slash).
        isinstance(azp, str)
        and (azp in authorized_parties or (allow_loopback and is_loopback_origin(azp)))
    ):
        raise TokenVerificationError(
            Reason.TOKEN_INVALID_AUTHORIZED_PARTIES,
            f"Token authorized party {clip(azp)} is not allowed",
        )
    if claims.get("sts") == "pending":
        raise TokenVerificationError(
            Reason.SESSION_PENDING, "Session is pending; treated as signed out"
        )
    known = {"sub", "iss", "exp", "iat", "nbf", "sid", "azp"}
    return SessionClaims(
        sub=sub,
        iss=claims["iss"],
        exp=int(claims["exp"]),
        iat=int(iat) if iat is not None else None,
        nbf=int(claims["nbf"]) if "nbf" in claims else None,
        sid=sid,
        azp=azp,
        extra={k: v for k, v in claims.items() if k not in known},
    )
