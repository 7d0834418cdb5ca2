"""Property-based fuzzing of /webhooks and /user/favoriteColor: random headers, bodies and
tokens never get a 5xx other than 503, and a rejected webhook writes nothing."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_fullstack.users.models import DeletedUser, User
from tests.helpers.payloads import user_created
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import signed_webhook

pytestmark = pytest.mark.integration

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=120,
).map(lambda text: text.encode("latin-1"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
USER_FIELDS = [
    "id",
    "updated_at",
    "first_name",
    "last_name",
    "email_addresses",
    "primary_email_address_id",
]


@st.composite
def mutated_events(draw: st.DrawFn) -> bytes:
    """A `user.*` event with some fields replaced by random JSON (a lone surrogate included)."""
    event = user_created(f"user_fuzz_{draw(st.integers(0, 3))}")
    event["type"] = draw(st.sampled_from(["user.created", "user.updated", "user.deleted", "x"]))
    for field in draw(st.lists(st.sampled_from(USER_FIELDS), max_size=3)):
        event["data"][field] = draw(json_values | st.just("\ud800"))
    if draw(st.booleans()):
        event["data"] = draw(json_values)
    return json.dumps(event).encode()


bodies = (
    st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()) | (mutated_events())
)


@st.composite
def webhook_requests(draw: st.DrawFn) -> tuple[bytes, dict[str, Any]]:
    """A body, validly signed or not, with each svix-* header kept, dropped or replaced."""
    body = draw(bodies)
    try:
        _, headers = signed_webhook(body)
    except UnicodeDecodeError:  # not UTF-8: nothing could sign it, as svix signs text
        stamp = str(int(datetime.now(UTC).timestamp()))
        headers = {"svix-id": "msg_x", "svix-timestamp": stamp, "svix-signature": "v1,AAAA"}
    sent: dict[str, Any] = dict(headers)
    for name in ("svix-id", "svix-timestamp", "svix-signature"):
        choice = draw(st.sampled_from(["keep", "keep", "drop", "random"]))
        if choice == "drop":
            sent.pop(name)
        elif choice == "random":
            sent[name] = draw(header_text | st.just(b"v1,") | st.just(b"v1abc,,"))
    return body, sent


async def counts() -> tuple[int, int]:
    return (
        await User.get_pymongo_collection().count_documents({}),
        await DeletedUser.get_pymongo_collection().count_documents({}),
    )


@FUZZ
@given(request=webhook_requests())
async def test_fuzzed_webhooks_never_5xx_and_rejections_write_nothing(
    api: httpx.AsyncClient, request: tuple[bytes, dict[str, Any]]
) -> None:
    body, headers = request
    before = await counts()
    response = await api.post("/webhooks", content=body, headers=headers)
    assert response.status_code < 500 or response.status_code == 503, response.text
    if response.status_code >= 300:
        assert response.json()["success"] is False and response.json()["reason"]
        assert await counts() == before


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@st.composite
def tokens(draw: st.DrawFn, key: SigningKey) -> str:
    """Random text, random JSON headers on a real token, or real tokens with random claims."""
    kind = draw(st.sampled_from(["text", "header", "claims"]))
    if kind == "text":
        return draw(st.text(max_size=300))
    if kind == "header":
        _, payload, signature = mint_token(key).split(".")
        header = draw(
            json_values
            | st.dictionaries(
                st.sampled_from(["alg", "kid", "crit", "typ"]), json_values, max_size=4
            )
        )
        return f"{b64(json.dumps(header).encode())}.{payload}.{signature}"
    claims = draw(
        st.dictionaries(
            st.sampled_from(["sub", "exp", "iat", "nbf", "azp", "sts"]), json_values, max_size=3
        )
    )
    try:
        return mint_token(key, **cast("dict[str, Any]", claims))
    except (TypeError, ValueError, OverflowError):  # PyJWT refuses to encode some claim values
        return mint_token(key)


@FUZZ
@given(data=st.data())
async def test_fuzzed_tokens_never_5xx(
    api: httpx.AsyncClient, signing_key: SigningKey, data: st.DataObject
) -> None:
    token = data.draw(tokens(signing_key))
    where = data.draw(st.sampled_from(["bearer", "cookie"]))
    raw = token.encode("utf-8", "surrogatepass")
    headers = (
        {b"Authorization": b"Bearer " + raw}
        if where == "bearer"
        else {b"Cookie": b"__session=" + raw}
    )
    response = await api.get("/user/favoriteColor", headers=headers)
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert response.status_code in {200, 401, 404, 503}
