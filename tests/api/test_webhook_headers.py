"""POST /webhooks over real HTTP with Standard Webhooks header names (webhook-id,
webhook-timestamp, webhook-signature), several signatures in one header (a secret being
rotated), and both header sets at once. MongoDB is checked after every delivery."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest

from clerk_fullstack.api import webhooks as route
from clerk_fullstack.users.models import DeletedUser
from clerk_fullstack.webhooks import signatures
from tests.helpers.payloads import user_created, user_deleted, user_updated
from tests.helpers.real_http import api_over_http, stored_ids
from tests.helpers.webhooks import signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

OLD_SECRET = "whsec_" + base64.b64encode(b"clerk-fullstack-old-secret-00001").decode()
"""A secret the app does not hold: the one being rotated away from."""
OTHER_SECRET = "whsec_" + base64.b64encode(b"clerk-fullstack-other-secret-001").decode()

Prefix = Literal["svix", "webhook"]
PREFIXES: list[Prefix] = ["svix", "webhook"]


@pytest.fixture
async def client(clean_db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with api_over_http() as client:
        yield client


async def post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/webhooks", content=body, headers=headers)


async def tombstones() -> int:
    return await DeletedUser.get_pymongo_collection().count_documents({})


async def assert_rejected(response: httpx.Response, status: int, reason: str) -> None:
    """A 4xx with a JSON reason, and nothing in MongoDB."""
    assert response.status_code == status, response.text
    assert response.json()["success"] is False
    assert response.json()["reason"] == reason
    assert await stored_ids() == set()
    assert await tombstones() == 0


def signature(payload: dict[str, Any], secret: str, msg_id: str, sent_at: datetime) -> str:
    """The `v1,...` signature of one delivery under `secret`, from the real svix library."""
    return signed_webhook(payload, secret=secret, msg_id=msg_id, timestamp=sent_at)[1][
        "svix-signature"
    ]


# Standard Webhooks names alone


@pytest.mark.parametrize("capitalized", [False, True])
async def test_webhook_headers_alone_create_update_and_delete(
    client: httpx.AsyncClient, capitalized: bool
) -> None:
    def standard(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        body, headers = signed_webhook(payload, prefix="webhook")
        assert not any(name.startswith("svix-") for name in headers)
        return body, {(k.title() if capitalized else k): v for k, v in headers.items()}

    created = await post(client, *standard(user_created("user_std", updated_at=1000)))
    assert created.status_code == 200, created.text
    assert created.json()["message"] == "Webhook received: user created"
    assert await stored_ids() == {"user_std"}

    updated = await post(client, *standard(user_updated("user_std", updated_at=2000)))
    assert updated.json()["message"] == "Webhook received: user updated"
    assert await stored_ids() == {"user_std"}

    deleted = await post(client, *standard(user_deleted("user_std")))
    assert deleted.status_code == 200, deleted.text
    assert await stored_ids() == set()
    assert await tombstones() == 1


async def test_webhook_and_svix_redeliveries_of_one_message_are_the_same(
    client: httpx.AsyncClient,
) -> None:
    sent_at = datetime.now(UTC)
    payload = user_created("user_same", updated_at=1000)
    for prefix in PREFIXES:
        body, headers = signed_webhook(payload, msg_id="msg_once", timestamp=sent_at, prefix=prefix)
        response = await post(client, body, headers)
        assert response.status_code == 200, response.text
        assert await stored_ids() == {"user_same"}
    assert response.json()["message"] == "Webhook received: user unchanged"


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("age", [timedelta(minutes=10), timedelta(minutes=-10)])
async def test_stale_or_future_timestamps_are_rejected_under_both_names(
    client: httpx.AsyncClient, prefix: Prefix, age: timedelta
) -> None:
    body, headers = signed_webhook(user_created(), age=age, prefix=prefix)
    await assert_rejected(await post(client, body, headers), 400, "stale-timestamp")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_tampered_body_is_rejected_under_both_names(
    client: httpx.AsyncClient, prefix: Prefix
) -> None:
    body, headers = signed_webhook(user_created("user_a"), prefix=prefix)
    tampered = body.replace(b"user_a", b"user_b")
    await assert_rejected(await post(client, tampered, headers), 400, "invalid-signature")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_body_size_cap_applies_under_both_names(
    client: httpx.AsyncClient, prefix: Prefix
) -> None:
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    await assert_rejected(
        await post(client, *signed_webhook(big, prefix=prefix)), 413, "payload-too-large"
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: capped while streaming
        # Just past the 1 MiB cap: the client has sent it all by the time the 413 comes
        # back, so the answer is read rather than cut off by a reset connection.
        for _ in range(17):
            yield b"x" * 65536

    headers = signed_webhook(b"{}", prefix=prefix)[1]
    streamed = await client.post("/webhooks", content=chunks(), headers=headers)
    await assert_rejected(streamed, 413, "payload-too-large")


async def test_no_headers_at_all_names_both_sets(client: httpx.AsyncClient) -> None:
    body, _ = signed_webhook(user_created())
    response = await post(client, body, {"content-type": "application/json"})
    await assert_rejected(response, 400, "missing-headers")
    assert "svix-id" in response.json()["message"]
    assert "webhook-id" in response.json()["message"]


# Several signatures in one header (signing-secret rotation)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("current_first", [True, False])
async def test_any_one_matching_signature_of_several_verifies(
    client: httpx.AsyncClient, prefix: Prefix, current_first: bool
) -> None:
    payload = user_created("user_rotated")
    body, headers = signed_webhook(payload, prefix=prefix)
    msg_id = headers[f"{prefix}-id"]
    sent_at = datetime.fromtimestamp(int(headers[f"{prefix}-timestamp"]), UTC)
    current = headers[f"{prefix}-signature"]
    old = signature(payload, OLD_SECRET, msg_id, sent_at)
    assert old != current
    both = f"{current} {old}" if current_first else f"{old} {current}"
    response = await post(client, body, {**headers, f"{prefix}-signature": both})
    assert response.status_code == 200, response.text
    assert await stored_ids() == {"user_rotated"}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_matching_signature_among_unknown_versions_and_junk_verifies(
    client: httpx.AsyncClient, prefix: Prefix
) -> None:
    body, headers = signed_webhook(user_created("user_many"), prefix=prefix)
    current = headers[f"{prefix}-signature"]
    listed = f"v2,Zm9v v1a,AAAA junk v1,AAAA {current} v1,{'B' * 44}"
    response = await post(client, body, {**headers, f"{prefix}-signature": listed})
    assert response.status_code == 200, response.text
    assert await stored_ids() == {"user_many"}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_several_signatures_none_matching_are_rejected(
    client: httpx.AsyncClient, prefix: Prefix
) -> None:
    payload = user_created("user_forged")
    body, headers = signed_webhook(payload, prefix=prefix)
    msg_id = headers[f"{prefix}-id"]
    sent_at = datetime.fromtimestamp(int(headers[f"{prefix}-timestamp"]), UTC)
    wrong = " ".join(signature(payload, s, msg_id, sent_at) for s in (OLD_SECRET, OTHER_SECRET))
    response = await post(client, body, {**headers, f"{prefix}-signature": wrong})
    await assert_rejected(response, 400, "invalid-signature")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_signature_split_across_spaces_or_commas_does_not_match(
    client: httpx.AsyncClient, prefix: Prefix
) -> None:
    body, headers = signed_webhook(user_created("user_split"), prefix=prefix)
    current = headers[f"{prefix}-signature"]
    for mangled in (current.replace(",", ", "), current.replace(",", " "), current + "="):
        response = await post(client, body, {**headers, f"{prefix}-signature": mangled})
        await assert_rejected(response, 400, "invalid-signature")


# Both header sets at once: svix-* wins whenever any svix-* header is present


async def test_both_sets_agreeing_are_accepted(client: httpx.AsyncClient) -> None:
    sent_at = datetime.now(UTC)
    payload = user_created("user_both")
    body, svix = signed_webhook(payload, msg_id="msg_both", timestamp=sent_at)
    _, standard = signed_webhook(payload, msg_id="msg_both", timestamp=sent_at, prefix="webhook")
    response = await post(client, body, {**standard, **svix})
    assert response.status_code == 200, response.text
    assert await stored_ids() == {"user_both"}


async def test_valid_svix_headers_win_over_garbage_webhook_headers(
    client: httpx.AsyncClient,
) -> None:
    body, svix = signed_webhook(user_created("user_svix_wins"))
    garbage = {"webhook-id": "msg one", "webhook-timestamp": "yesterday", "webhook-signature": "x"}
    response = await post(client, body, {**svix, **garbage})
    assert response.status_code == 200, response.text
    assert await stored_ids() == {"user_svix_wins"}


async def test_invalid_svix_signature_is_not_rescued_by_valid_webhook_headers(
    client: httpx.AsyncClient,
) -> None:
    payload = user_created("user_no_rescue")
    body, standard = signed_webhook(payload, prefix="webhook")
    _, forged = signed_webhook(payload, secret=OTHER_SECRET)
    await assert_rejected(
        await post(client, body, {**standard, **forged}), 400, "invalid-signature"
    )


async def test_stale_svix_headers_are_not_rescued_by_fresh_webhook_headers(
    client: httpx.AsyncClient,
) -> None:
    payload = user_created("user_stale")
    body, stale = signed_webhook(payload, age=timedelta(minutes=10))
    _, fresh = signed_webhook(payload, prefix="webhook")
    await assert_rejected(await post(client, body, {**fresh, **stale}), 400, "stale-timestamp")


async def test_malformed_svix_header_is_not_rescued_by_webhook_headers(
    client: httpx.AsyncClient,
) -> None:
    body, standard = signed_webhook(user_created("user_bad_id"), prefix="webhook")
    svix = {
        "svix-id": "msg with spaces",
        "svix-timestamp": standard["webhook-timestamp"],
        "svix-signature": standard["webhook-signature"],
    }
    await assert_rejected(await post(client, body, {**standard, **svix}), 400, "invalid-headers")


@pytest.mark.parametrize("kept", ["svix-id", "svix-timestamp", "svix-signature"])
@pytest.mark.parametrize("empty", [False, True])
async def test_a_partial_svix_set_is_never_completed_from_webhook_headers(
    client: httpx.AsyncClient, kept: str, empty: bool
) -> None:
    # Every value is genuine (one message, both names), yet the sets are not mixed: a delivery
    # is verified from one set only, so an svix-* header present makes the svix-* set required.
    sent_at = datetime.now(UTC)
    payload = user_created("user_mixed")
    body, svix = signed_webhook(payload, msg_id="msg_mixed", timestamp=sent_at)
    _, standard = signed_webhook(payload, msg_id="msg_mixed", timestamp=sent_at, prefix="webhook")
    response = await post(client, body, {**standard, kept: "" if empty else svix[kept]})
    await assert_rejected(response, 400, "missing-headers")
    missing = {"svix-id", "svix-timestamp", "svix-signature"} - ({kept} if not empty else set())
    assert all(name in response.json()["message"] for name in missing)


async def test_a_signature_for_one_id_does_not_verify_another_id_under_the_other_name(
    client: httpx.AsyncClient,
) -> None:
    # Signed for msg_a (svix names); the attacker adds webhook-id msg_b and drops svix-id so a
    # reader that mixed sets would verify over msg_b. Refused, whichever set would be read.
    body, svix = signed_webhook(user_created("user_spliced"), msg_id="msg_a")
    spliced = {
        "svix-timestamp": svix["svix-timestamp"],
        "svix-signature": svix["svix-signature"],
        "webhook-id": "msg_b",
        "webhook-timestamp": svix["svix-timestamp"],
        "webhook-signature": svix["svix-signature"],
    }
    await assert_rejected(await post(client, body, spliced), 400, "missing-headers")
    without_svix = {k: v for k, v in spliced.items() if k.startswith("webhook-")}
    await assert_rejected(await post(client, body, without_svix), 400, "invalid-signature")


async def test_a_delivery_reads_its_signed_headers_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route reads the svix-* set once and passes it on (13 µs a read, on every webhook)."""
    reads: list[object] = []

    def counted(headers: Any) -> signatures.SignedHeaders:
        reads.append(headers)
        return signatures.signed_headers(headers)

    monkeypatch.setattr(route, "signed_headers", counted)
    body, headers = signed_webhook(user_created("user_read_once"))
    response = await post(client, body, headers)
    assert response.status_code == 200, response.text
    assert len(reads) == 1
    assert await stored_ids() == {"user_read_once"}
