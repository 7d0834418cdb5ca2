"""Hostile session tokens get 401 with a reason, and nothing token-derived is echoed unbounded."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import jwt
import pytest

from clerk_fullstack.auth import key_sources as keys
from tests.helpers.jwks_server import JWKSServer
from tests.helpers.tokens import SigningKey, mint_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

ECHO_LIMIT = 200
"""No message or log line may carry more of a token-derived value than this."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def with_header(token: str, header: Any) -> str:
    """The token with its header replaced (JSON-encoded unless given as bytes)."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    _, payload, signature = token.split(".")
    return f"{b64(raw)}.{payload}.{signature}"


HOSTILE_HEADERS: dict[str, Any] = {
    "kid-number": {"alg": "RS256", "typ": "JWT", "kid": 123},
    "kid-list": {"alg": "RS256", "typ": "JWT", "kid": ["a", "b"]},
    "kid-null": {"alg": "RS256", "typ": "JWT", "kid": None},
    "kid-object": {"alg": "RS256", "kid": {"x": 1}},
    "crit": {"alg": "RS256", "kid": "ins_test_key_1", "crit": ["exp"]},
    "crit-not-list": {"alg": "RS256", "kid": "ins_test_key_1", "crit": 7},
    "alg-list": {"alg": ["RS256"], "kid": "ins_test_key_1"},
    "header-list": ["RS256"],
    "header-string": "RS256",
    "header-number": 5,
    "header-not-json": b"{not json",
    "header-not-utf8": b"\xff\xfe\xfd",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_HEADERS))
async def test_hostile_headers_get_401_with_a_reason(
    api: httpx.AsyncClient, signing_key: SigningKey, case: str
) -> None:
    token = with_header(mint_token(signing_key), HOSTILE_HEADERS[case])
    response = await api.get("/user/favoriteColor", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["success"] is False
    assert body["reason"].startswith("token-")


@pytest.mark.parametrize(
    "token",
    [
        "a" * 200_000,
        "é.é.é",
        "\u00e9" * 5000,
        "eyJ" + "A" * 100_000 + ".e30.x",
        "...",
        ".",
        "a.b",
        "a.b.c.d",
    ],
    ids=["long", "non-ascii-parts", "non-ascii-long", "long-header", "dots", "dot", "two", "four"],
)
async def test_malformed_tokens_get_401(api: httpx.AsyncClient, token: str) -> None:
    # Sent as raw UTF-8 bytes: the server sees what a hostile client really sends.
    header = f"Bearer {token}".encode()
    response = await api.get("/user/favoriteColor", headers={b"Authorization": header})
    assert response.status_code == 401, response.text
    assert response.json()["reason"].startswith("token-")
    assert len(response.text) < 1000


async def test_a_long_kid_is_not_echoed_into_the_response_or_the_log(
    api: httpx.AsyncClient,
    signing_key: SigningKey,
    env: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with JWKSServer(signing_key, secret_key="sk_test_hostile") as server:
        env.setattr(keys, "MIN_REFRESH_INTERVAL_SECONDS", 0.0)
        env.delenv("CLERK_JWT_KEY")
        env.setenv("CLERK_API_URL", server.url)
        env.setenv("CLERK_SECRET_KEY", "sk_test_hostile")
        huge_kid = "k" * 4000  # a 100,000-character kid is refused earlier, as too long
        token = mint_token(signing_key, kid=huge_kid)
        with caplog.at_level(logging.DEBUG):
            response = await api.get(
                "/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}
            )
    assert response.status_code == 401
    assert response.json()["reason"] == "jwk-kid-mismatch"
    response_for_huge = await api.get(
        "/user/favoriteColor",
        headers={"Authorization": f"Bearer {mint_token(signing_key, kid='k' * 100_000)}"},
    )
    assert response_for_huge.status_code == 401
    assert "k" * 65 not in response_for_huge.text
    assert len(response.json()["message"]) < ECHO_LIMIT
    assert "k" * 65 not in response.text
    for record in caplog.records:
        assert "k" * 65 not in record.getMessage()


@pytest.mark.parametrize("case", ["kid-number", "kid-list", "kid-null", "crit", "header-list"])
async def test_the_page_lookup_reports_an_invalid_session_for_hostile_headers(
    signing_key: SigningKey, case: str
) -> None:
    """What the favorite-color page shows: "invalid session", not "Fetching…" forever."""
    from clerk_fullstack.state.lookup import ColorStatus, look_up_color

    outcome = await look_up_color(with_header(mint_token(signing_key), HOSTILE_HEADERS[case]))
    assert outcome.status == ColorStatus.INVALID_SESSION
    assert (outcome.reason or "").startswith("token-")


NOT_SESSION_TOKENS: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    # name: (header fields, mint_token keywords, the reason the route gives)
    "cat-template": ({"cat": "cl_B7d4PD222AAA"}, {}, "token-invalid-category"),
    "cat-machine": ({"cat": "cl_B7d4PD333AAA"}, {}, "token-invalid-category"),
    "sid-missing": ({}, {"drop": ("sid",)}, "token-missing-session-id"),
    "sid-number": ({}, {"sid": 7}, "token-missing-session-id"),
    "azp-missing": ({}, {"azp": None}, "token-missing-authorized-party"),
}


@pytest.mark.parametrize("case", sorted(NOT_SESSION_TOKENS))
async def test_only_session_tokens_count_through_the_route_with_a_jwks(
    api: httpx.AsyncClient, signing_key: SigningKey, env: pytest.MonkeyPatch, case: str
) -> None:
    """Other token categories, no `sid` or no `azp`: 401 with its own reason, keys from a JWKS."""
    header, mint_kwargs, reason = NOT_SESSION_TOKENS[case]
    with JWKSServer(signing_key, secret_key="sk_test_hostile") as server:
        env.delenv("CLERK_JWT_KEY")
        env.setenv("CLERK_API_URL", server.url)
        env.setenv("CLERK_SECRET_KEY", "sk_test_hostile")
        token = mint_token(signing_key, **mint_kwargs)
        if header:
            token = signed_with_header(signing_key, token, header)
        response = await api.get(
            "/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}
        )
        valid = signed_with_header(signing_key, mint_token(signing_key), {"cat": "cl_B7d4PD111AAA"})
        accepted = await api.get(
            "/user/favoriteColor", headers={"Authorization": f"Bearer {valid}"}
        )
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == reason
    assert accepted.status_code != 401, accepted.text


def signed_with_header(key: SigningKey, token: str, extra: dict[str, Any]) -> str:
    """`token`'s claims re-signed under its header plus `extra` (the signature stays valid)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(
        claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT", **extra}
    )
