"""Emulator session tokens: Clerk's v2 shape, and accepted by the app's own verification."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest

from clerk_fullstack.auth.tokens import verify_token
from clerk_fullstack.core.errors import TokenVerificationError
from clerk_fullstack.local_clerk.session_tokens import SESSION_TOKEN_CATEGORY, issue_session_token
from clerk_fullstack.local_clerk.signing_key import LocalSigningKey, load_signing_key

pytestmark = pytest.mark.unit

ISSUER = "https://clerk.local.invalid"
PARTY = "http://localhost:3000"


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> LocalSigningKey:
    return load_signing_key(tmp_path_factory.mktemp("local-clerk"))


def issue(key: LocalSigningKey, **overrides: int) -> str:
    return issue_session_token(
        key,
        user_id="user_abc",
        session_id="sess_abc",
        issuer=ISSUER,
        authorized_party=PARTY,
        session_started_at=overrides.pop("started", int(time.time())),
        **overrides,
    )


def test_header_is_rs256_with_the_key_id_and_the_session_category(key: LocalSigningKey) -> None:
    assert jwt.get_unverified_header(issue(key)) == {
        "alg": "RS256",
        "kid": key.kid,
        "typ": "JWT",
        "cat": "cl_B7d4PD111AAA",
    }
    assert SESSION_TOKEN_CATEGORY == "cl_B7d4PD111AAA"


def test_tokens_live_60_s_as_clerks_unless_the_emulator_is_told_otherwise(
    key: LocalSigningKey,
) -> None:
    now = int(time.time())
    for overrides, lifetime in (({}, 60), ({"lifetime": 30}, 30)):
        claims = jwt.decode(issue(key, now=now, **overrides), options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == lifetime


def test_tokens_are_signed_with_the_loaded_key_not_its_pem(
    key: LocalSigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PEM is parsed and its RSA key checked again by PyJWT (50 ms of CPU here, per token);
    # the loaded key object signs in about 1 ms.
    def no_pem(self: LocalSigningKey) -> bytes:
        raise AssertionError("the PEM was used to sign a token")

    monkeypatch.setattr(LocalSigningKey, "private_pem", property(no_pem))
    token = issue(key)
    assert jwt.decode(token, key.private_key.public_key(), algorithms=["RS256"])["sub"]


def test_claims_are_clerks_v2_session_claims(key: LocalSigningKey) -> None:
    now = int(time.time())
    claims = jwt.decode(issue(key, now=now), options={"verify_signature": False})
    jti = claims.pop("jti")
    assert claims == {
        "azp": PARTY,
        "exp": now + 60,
        "fva": [0, -1],
        "iat": now,
        "iss": ISSUER,
        "nbf": now - 10,
        "sid": "sess_abc",
        "sts": "active",
        "sub": "user_abc",
        "v": 2,
    }
    assert isinstance(jti, str) and len(jti) == 20


def test_each_token_has_its_own_id(key: LocalSigningKey) -> None:
    now = int(time.time())
    ids = {jwt.decode(issue(key, now=now), options={"verify_signature": False})["jti"]}
    ids.add(jwt.decode(issue(key, now=now), options={"verify_signature": False})["jti"])
    assert len(ids) == 2


def test_fva_counts_minutes_since_sign_in(key: LocalSigningKey) -> None:
    now = int(time.time())
    token = issue(key, now=now, started=now - 3 * 60 - 5)
    assert jwt.decode(token, options={"verify_signature": False})["fva"] == [3, -1]


def test_the_apps_verifier_accepts_it_with_the_emulators_key(key: LocalSigningKey) -> None:
    claims = verify_token(
        issue(key), key.private_key.public_key(), issuer=ISSUER, authorized_parties=[PARTY]
    )
    assert (claims.sub, claims.sid, claims.azp, claims.extra["v"]) == (
        "user_abc",
        "sess_abc",
        PARTY,
        2,
    )


def test_it_expires_after_sixty_seconds(key: LocalSigningKey) -> None:
    stale = issue(key, now=int(time.time()) - 66)
    with pytest.raises(TokenVerificationError) as caught:
        verify_token(stale, key.private_key.public_key(), issuer=ISSUER, authorized_parties=[PARTY])
    assert caught.value.reason == "token-expired"


def test_another_instances_key_does_not_verify_it(key: LocalSigningKey, tmp_path: Path) -> None:
    other = load_signing_key(tmp_path)
    with pytest.raises(TokenVerificationError) as caught:
        verify_token(
            issue(key), other.private_key.public_key(), issuer=ISSUER, authorized_parties=[PARTY]
        )
    assert caught.value.reason == "token-invalid-signature"
