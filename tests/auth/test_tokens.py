"""verify_token: every check a Clerk session token must pass, one reason code each."""

from __future__ import annotations

import base64
import json
from typing import Any, cast

import jwt
import pytest

from clerk_fullstack.auth.tokens import read_header, verify_token
from clerk_fullstack.core.errors import TokenVerificationError
from tests.helpers.tokens import (
    TEST_FRONTEND,
    TEST_ISSUER,
    SigningKey,
    mint_token,
    new_signing_key,
)

pytestmark = pytest.mark.unit

PARTIES = frozenset({TEST_FRONTEND})


def verify(token: str, key: SigningKey) -> object:
    return verify_token(
        token, key.private_key.public_key(), issuer=TEST_ISSUER, authorized_parties=PARTIES
    )


def reason_of(token: str, key: SigningKey) -> str:
    with pytest.raises(TokenVerificationError) as caught:
        verify(token, key)
    return caught.value.reason


def test_valid_token_returns_typed_claims(signing_key: SigningKey) -> None:
    claims = verify_token(
        mint_token(signing_key, sub="user_abc", sid="sess_1"),
        signing_key.private_key.public_key(),
        issuer=TEST_ISSUER,
        authorized_parties=PARTIES,
    )
    assert claims.user_id == "user_abc"
    assert claims.sid == "sess_1"
    assert claims.azp == TEST_FRONTEND
    assert claims.extra["v"] == 2


def test_token_without_azp_is_rejected_when_parties_are_configured(
    signing_key: SigningKey,
) -> None:
    # As Clerk's verifyToken: with authorized parties configured, azp is required.
    token = mint_token(signing_key, azp=None)
    assert reason_of(token, signing_key) == "token-missing-authorized-party"
    key = signing_key.private_key.public_key()
    with pytest.raises(TokenVerificationError) as caught:
        verify_token(token, key, issuer=TEST_ISSUER, authorized_parties=(), allow_loopback=True)
    assert caught.value.reason == "token-missing-authorized-party"


def test_token_without_azp_is_accepted_when_no_parties_are_configured(
    signing_key: SigningKey,
) -> None:
    key = signing_key.private_key.public_key()
    claims = verify_token(
        mint_token(signing_key, azp=None), key, issuer=TEST_ISSUER, authorized_parties=()
    )
    assert claims.azp is None


def reason_of_ok(token: str, key: SigningKey) -> bool:
    verify(token, key)
    return True


@pytest.mark.parametrize(
    ("mint_kwargs", "reason"),
    [
        ({"lifetime": -10}, "token-expired"),
        ({"drop": ("exp",)}, "token-invalid"),
        ({"drop": ("sub",)}, "token-invalid"),
        ({"sub": ""}, "token-invalid"),
        ({"nbf": 9_999_999_999}, "token-not-active-yet"),
        ({"issued_offset": 60, "nbf": None}, "token-iat-in-the-future"),
        ({"issuer": "https://evil.example"}, "token-invalid-issuer"),
        ({"drop": ("iss",)}, "token-invalid"),
        ({"azp": "https://evil.example"}, "token-invalid-authorized-parties"),
        ({"sts": "pending"}, "session-pending"),
        ({"drop": ("sid",)}, "token-missing-session-id"),
        ({"sid": 7}, "token-missing-session-id"),
        ({"sid": ""}, "token-missing-session-id"),
        ({"azp": TEST_FRONTEND + "/"}, "token-invalid-authorized-parties"),
        ({"azp": 3000}, "token-invalid-authorized-parties"),
    ],
)
def test_claim_checks(signing_key: SigningKey, mint_kwargs: dict[str, object], reason: str) -> None:
    assert reason_of(mint_token(signing_key, **mint_kwargs), signing_key) == reason  # type: ignore[arg-type]


def test_five_seconds_of_clock_skew_are_allowed(signing_key: SigningKey) -> None:
    assert reason_of_ok(mint_token(signing_key, lifetime=-3), signing_key)
    assert reason_of(mint_token(signing_key, lifetime=-8), signing_key) == "token-expired"


def test_signature_from_another_key_is_rejected(signing_key: SigningKey) -> None:
    other = new_signing_key(kid=signing_key.kid)
    assert reason_of(mint_token(other), signing_key) == "token-invalid-signature"


def test_tampered_payload_is_rejected(signing_key: SigningKey) -> None:
    header, payload, signature = mint_token(signing_key, sub="user_a").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "user_b"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert reason_of(f"{header}.{forged}.{signature}", signing_key) == "token-invalid-signature"


def test_alg_none_is_rejected(signing_key: SigningKey) -> None:
    claims = {"sub": "user_a", "iss": TEST_ISSUER, "exp": 9_999_999_999}
    token = jwt.encode(claims, cast(Any, None), "none")  # PyJWT's types omit alg=none's key
    assert reason_of(token, signing_key) == "token-invalid-algorithm"


def test_hs256_signed_with_the_public_key_is_rejected(signing_key: SigningKey) -> None:
    # The classic key-confusion attack: HMAC keyed with the (public) PEM.
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(
        json.dumps({"sub": "user_a", "iss": TEST_ISSUER, "exp": 9_999_999_999}).encode()
    ).rstrip(b"=")
    import hashlib
    import hmac

    signing_input = header + b"." + body
    mac = hmac.new(signing_key.public_pem.encode(), signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    assert reason_of(token, signing_key) == "token-invalid-algorithm"


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES256"])
def test_other_algorithms_are_rejected(signing_key: SigningKey, alg: str) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    token = mint_token(signing_key)
    forged = ".".join([header, *token.split(".")[1:]])
    assert reason_of(forged, signing_key) == "token-invalid-algorithm"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_rejected(signing_key: SigningKey, garbage: str) -> None:
    assert reason_of(garbage, signing_key) == "token-invalid"


def test_read_header_returns_kid(signing_key: SigningKey) -> None:
    assert read_header(mint_token(signing_key, kid="kid_7")).kid == "kid_7"


def with_header(token: str, header: dict[str, object]) -> str:
    """The token with its header swapped (header checks run before the signature's)."""
    raw = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return ".".join([raw, *token.split(".")[1:]])


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"cat": "cl_B7d4PD222AAA"}, "token-invalid-category"),  # a JWT template token
        ({"cat": "cl_B7d4PD333AAA"}, "token-invalid-category"),  # a machine token
        ({"cat": "cl_something_else"}, "token-invalid-category"),
        ({"cat": 1}, "token-invalid-category"),
        ({"cat": None}, "token-invalid-category"),
        ({"typ": "at+jwt"}, "token-invalid"),
        ({"typ": None}, "token-invalid"),
    ],
)
def test_header_checks(signing_key: SigningKey, header: dict[str, object], reason: str) -> None:
    token = with_header(mint_token(signing_key), {"alg": "RS256", "kid": signing_key.kid, **header})
    assert reason_of(token, signing_key) == reason
    with pytest.raises(TokenVerificationError) as caught:
        read_header(token)
    assert caught.value.reason == reason


def test_the_session_category_and_typ_jwt_are_accepted(signing_key: SigningKey) -> None:
    header = {"alg": "RS256", "typ": "JWT", "kid": signing_key.kid, "cat": "cl_B7d4PD111AAA"}
    token = jwt.encode(
        {
            "sub": "user_a",
            "iss": TEST_ISSUER,
            "exp": 9_999_999_999,
            "sid": "sess_a",
            "azp": TEST_FRONTEND,
        },
        signing_key.private_key,
        algorithm="RS256",
        headers=header,
    )
    assert jwt.get_unverified_header(token)["cat"] == "cl_B7d4PD111AAA"
    assert reason_of_ok(token, signing_key)
