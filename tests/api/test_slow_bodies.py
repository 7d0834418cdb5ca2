"""POST /webhooks against real slow clients on a loopback socket: the header checks come before
any of the body is read, a stalled body gets 408, stalled bodies hold only the bytes they sent,
and when they fill the byte budget the oldest are pushed out (503): deliveries get through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from clerk_fullstack.core import bodies
from tests.helpers.payloads import user_created
from tests.helpers.raw_clients import StalledBody
from tests.helpers.real_http import api_over_http, stored_ids
from tests.helpers.webhooks import deliver, signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

BUDGET = 256 * 1024


@pytest.fixture
async def client(clean_db: None, env: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    await budget_empty()
    env.setattr(bodies, "BODY_READ_SECONDS", 2.0)
    env.setattr(bodies, "MAX_BYTES_IN_FLIGHT", BUDGET)
    async with api_over_http() as client:
        yield client


async def budget_empty(seconds: float = 15.0) -> None:
    """Wait until no earlier test's body read holds bytes (reads end within their deadline)."""
    async with asyncio.timeout(seconds):
        while bodies.budget.in_use:  # noqa: ASYNC110 - the budget has no event to wait on
            await asyncio.sleep(0.05)


def stalled_headers(case: str) -> dict[str, str]:
    """Headers of one kind of refused delivery."""
    _, headers = signed_webhook(b"{}")
    match case:
        case "none":
            return {"content-type": "application/json"}
        case "bad-id":
            return {**headers, "svix-id": "msg with spaces"}
        case "no-v1-signature":
            return {**headers, "svix-signature": "v1,short v2,Zm9v"}
        case "old":
            return signed_webhook(b"{}", age=timedelta(minutes=6))[1]
        case _:
            return signed_webhook(b"{}", age=timedelta(minutes=-6), prefix="webhook")[1]


async def test_a_stalled_body_gets_408_and_the_connection_closes(
    client: httpx.AsyncClient,
) -> None:
    slow = await StalledBody.open(str(client.base_url), sent=32768, declared=65536)
    status, response = await slow.answer()
    assert status == 408
    assert b'"reason":"body-timeout"' in response
    assert bodies.budget.in_use == 0


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("none", "missing-headers"),
        ("bad-id", "invalid-headers"),
        ("no-v1-signature", "invalid-signature"),
        ("old", "stale-timestamp"),
        ("future", "stale-timestamp"),
    ],
)
async def test_bad_signature_headers_are_refused_before_the_body_is_read(
    client: httpx.AsyncClient, case: str, reason: str
) -> None:
    # The body never completes: a 400 (not a 408 after the deadline) means it was never waited on.
    slow = await StalledBody.open(str(client.base_url), headers=stalled_headers(case))
    status, response = await slow.answer()
    assert status == 400
    assert f'"reason":"{reason}"'.encode() in response


async def test_stalled_bodies_hold_only_their_bytes_and_deliveries_get_through(
    client: httpx.AsyncClient,
) -> None:
    """200 stalled bodies (the old cap was 64 bodies): a signed delivery is still stored."""
    url = str(client.base_url)
    stalled = [await StalledBody.open(url, sent=16) for _ in range(200)]
    response = await deliver(client, user_created("user_during_stall"))
    assert response.status_code == 200, response.text
    assert await stored_ids() == {"user_during_stall"}
    outcomes = await asyncio.gather(*(slow.answer() for slow in stalled))
    assert {status for status, _ in outcomes} == {408}
    assert bodies.budget.in_use == 0


async def test_when_stalled_bodies_fill_the_budget_the_oldest_are_pushed_out(
    client: httpx.AsyncClient, env: pytest.MonkeyPatch
) -> None:
    # 8 × 48 KiB stalled against a 256 KiB budget: the later ones push the oldest out. The read
    # deadline is longer here, so that on a busy machine none times out before all are open.
    env.setattr(bodies, "BODY_READ_SECONDS", 6.0)
    url = str(client.base_url)
    stalled = [await StalledBody.open(url, sent=48 * 1024, declared=64 * 1024) for _ in range(8)]
    response = await deliver(client, user_created("user_past_the_budget"))
    assert response.status_code == 200, response.text
    outcomes = await asyncio.gather(*(slow.answer() for slow in stalled))
    statuses = [status for status, _ in outcomes]
    # The oldest are pushed out until the rest fit: at most 5 × 48 KiB stay, so at least 3 go.
    # More go when a read is pushed out before all of its bytes have arrived (a busy server reads
    # a body in several chunks), so it held less; the others time out with 408.
    pushed = statuses.count(503)
    assert statuses[0] == 503
    assert 3 <= pushed < 8
    assert statuses.count(408) == 8 - pushed
    pushed_out = outcomes[0][1].lower()
    assert b"retry-after: 1" in pushed_out
    assert b'"reason":"server-busy"' in pushed_out
    # Once the stalled readers are gone, deliveries are read and stored again.
    responses = [await deliver(client, user_created(f"user_after_{n}")) for n in range(3)]
    assert [response.status_code for response in responses] == [200] * 3
    assert await stored_ids() == {"user_past_the_budget"} | {f"user_after_{n}" for n in range(3)}
    assert bodies.budget.in_use == 0
