"""POST /webhooks over real HTTP: each kind of bad input gets a 4xx with a reason, writes
nothing, and never fails the valid deliveries sent alongside it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import httpx
import pytest

from tests.helpers.payloads import user_created
from tests.helpers.real_http import api_over_http, stored_ids
from tests.helpers.webhooks import deliver, signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

Request = tuple[bytes, dict[str, Any]]


@pytest.fixture
async def client(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with api_over_http() as client:
        yield client


def header(name: str, value: str | bytes) -> Callable[[], Request]:
    """A signed delivery with one header replaced; webhook-* names sign with that header set."""
    prefix: Literal["svix", "webhook"] = "webhook" if name.startswith("webhook-") else "svix"

    def build() -> Request:
        body, headers = signed_webhook(user_created("user_bad"), prefix=prefix)
        return body, {**headers, name: value}

    return build


def signed(body: bytes) -> Callable[[], Request]:
    return lambda: signed_webhook(body)


def data(**fields: Any) -> Callable[[], Request]:
    def build() -> Request:
        event = user_created("user_bad")
        event["data"].update(fields)
        return signed_webhook(event)

    return build


BAD_REQUESTS: dict[str, tuple[Callable[[], Request], str]] = {
    "signature-no-v1-prefix": (header("svix-signature", "abc"), "invalid-signature"),
    "signature-no-comma": (header("svix-signature", "v1abcdef"), "invalid-signature"),
    "signature-empty-parts": (header("svix-signature", ", ,v1,"), "invalid-signature"),
    "signature-v2": (header("svix-signature", "v2,Zm9v"), "invalid-signature"),
    "timestamp-word": (header("svix-timestamp", "yesterday"), "invalid-timestamp"),
    "timestamp-float": (header("svix-timestamp", "1.5e9"), "invalid-timestamp"),
    "timestamp-huge": (header("svix-timestamp", "9" * 40), "invalid-timestamp"),
    "timestamp-negative": (header("svix-timestamp", "-1"), "invalid-timestamp"),
    "id-too-long": (header("svix-id", "m" * 1000), "invalid-headers"),
    "id-with-spaces": (header("svix-id", "msg one two"), "invalid-headers"),
    "id-non-ascii": (header("svix-id", "msg_é".encode()), "invalid-headers"),
    "signature-too-long": (
        header("svix-signature", " ".join(["v1,AAAA"] * 600)),
        "invalid-signature",
    ),
    # The same early checks on the Standard Webhooks header names.
    "webhook-signature-no-v1-prefix": (header("webhook-signature", "abc"), "invalid-signature"),
    "webhook-signature-empty-parts": (header("webhook-signature", ", ,v1,"), "invalid-signature"),
    "webhook-signature-v2": (header("webhook-signature", "v2,Zm9v"), "invalid-signature"),
    "webhook-signature-too-long": (
        header("webhook-signature", " ".join(["v1,AAAA"] * 600)),
        "invalid-signature",
    ),
    "webhook-signature-empty": (header("webhook-signature", ""), "missing-headers"),
    "webhook-timestamp-word": (header("webhook-timestamp", "yesterday"), "invalid-timestamp"),
    "webhook-timestamp-huge": (header("webhook-timestamp", "9" * 40), "invalid-timestamp"),
    "webhook-timestamp-negative": (header("webhook-timestamp", "-1"), "invalid-timestamp"),
    "webhook-id-too-long": (header("webhook-id", "m" * 1000), "invalid-headers"),
    "webhook-id-with-spaces": (header("webhook-id", "msg one two"), "invalid-headers"),
    "webhook-id-non-ascii": (header("webhook-id", "msg_é".encode()), "invalid-headers"),
    "webhook-id-empty": (header("webhook-id", ""), "missing-headers"),
    "body-not-utf8": (lambda: (b"\xff\xfe{}", signed_webhook(b"{}")[1]), "invalid-json"),
    "body-not-json": (signed(b"{not json"), "invalid-json"),
    "body-list": (signed(b"[1, 2]"), "invalid-payload"),
    "body-string": (signed(b'"user.created"'), "invalid-payload"),
    "body-null": (signed(b"null"), "invalid-payload"),
    "type-not-string": (signed(json.dumps({"type": 5, "data": {}}).encode()), "invalid-payload"),
    "data-list": (lambda: signed_webhook({"type": "user.created", "data": []}), "invalid-payload"),
    "data-string": (
        lambda: signed_webhook({"type": "user.updated", "data": "x"}),
        "invalid-payload",
    ),
    "emails-not-list": (data(email_addresses="a@b.c"), "invalid-payload"),
    "emails-items-not-objects": (data(email_addresses=["a@b.c"]), "invalid-payload"),
    "email-not-string": (
        data(
            email_addresses=[{"id": "idn_1", "email_address": 5}], primary_email_address_id="idn_1"
        ),
        "invalid-payload",
    ),
    "first-name-number": (data(first_name=5), "invalid-payload"),
    "last-name-list": (data(last_name=["a"]), "invalid-payload"),
    "updated-at-float": (data(updated_at=1.5), "invalid-payload"),
    "updated-at-bool": (data(updated_at=True), "invalid-payload"),
    "updated-at-huge": (data(updated_at=2**70), "invalid-payload"),
    "updated-at-negative": (data(updated_at=-5), "invalid-payload"),
    "id-number": (data(id=12), "invalid-payload"),
    "id-huge": (data(id="u" * 5000), "invalid-payload"),
    "lone-surrogate": (
        lambda: signed_webhook(
            json.dumps(user_created("user_bad")).replace('"Example"', '"\\ud800"', 1).encode()
        ),
        "invalid-payload",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
async def test_bad_input_gets_a_4xx_reason_and_its_neighbours_are_stored(
    client: httpx.AsyncClient, case: str
) -> None:
    build, reason = BAD_REQUESTS[case]
    body, headers = build()
    good = [f"user_ok_{n}" for n in range(4)]
    bad, *fine = await asyncio.gather(
        client.post("/webhooks", content=body, headers=headers),
        *(deliver(client, user_created(user_id)) for user_id in good),
    )
    assert 400 <= bad.status_code < 500, bad.text
    assert bad.json()["success"] is False
    assert bad.json()["reason"] == reason
    assert len(bad.text) < 1000
    assert [response.status_code for response in fine] == [200] * len(good)
    assert await stored_ids() == set(good)
