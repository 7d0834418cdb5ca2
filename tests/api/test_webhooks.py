"""POST /webhooks over HTTP into a real SecantusDB: rejections, idempotency, ordering, races."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from clerk_fullstack.users.models import DeletedUser, User
from tests.helpers.payloads import (
    DOCUMENTED_USER_CREATED,
    EXAMPLE_USER_ID,
    user_created,
    user_deleted,
    user_updated,
)
from tests.helpers.webhooks import deliver, signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def stored(user_id: str = EXAMPLE_USER_ID) -> dict[str, Any] | None:
    return await User.get_pymongo_collection().find_one({"clerkUserId": user_id})


async def user_count() -> int:
    return await User.get_pymongo_collection().count_documents({})


async def test_documented_user_created_is_stored_in_the_tutorial_shape(
    api: httpx.AsyncClient,
) -> None:
    response = await deliver(api, DOCUMENTED_USER_CREATED)
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Webhook received: user created"}
    doc = await stored()
    assert doc is not None
    assert doc["email"] == "example@example.org"
    assert (doc["firstName"], doc["lastName"]) == ("Example", "Example")
    assert doc["favoriteColor"] in {"RED", "GREEN", "BLUE"}
    assert doc["createdAt"] and doc["updatedAt"]
    assert doc["clerkUpdatedAt"] == 1654012591835
    indexes = await User.get_pymongo_collection().index_information()
    assert indexes["clerkUserId_1"]["unique"] is True


async def test_users_without_email_or_names_are_stored(api: httpx.AsyncClient) -> None:
    response = await deliver(api, user_created(email=None, first_name=None, last_name=None))
    assert response.status_code == 200
    doc = await stored()
    assert doc is not None and doc["email"] is None and doc["firstName"] is None


async def test_update_changes_names_and_email_never_the_color(api: httpx.AsyncClient) -> None:
    await deliver(api, user_created(updated_at=1000))
    color = (await stored() or {})["favoriteColor"]
    for n in range(2, 12):
        response = await deliver(
            api, user_updated(updated_at=1000 * n, first_name=f"New{n}", email=f"n{n}@x.org")
        )
        assert response.status_code == 200
    doc = await stored()
    assert doc is not None
    assert (doc["firstName"], doc["email"], doc["favoriteColor"]) == ("New11", "n11@x.org", color)


async def test_delete_removes_the_user(api: httpx.AsyncClient) -> None:
    await deliver(api, user_created())
    response = await deliver(api, user_deleted())
    assert response.status_code == 200
    assert await stored() is None


async def test_redelivery_with_the_same_svix_id_changes_nothing(api: httpx.AsyncClient) -> None:
    payload = user_created(updated_at=1000)
    first = await deliver(api, payload, msg_id="msg_same")
    before = await stored()
    again = await deliver(api, payload, msg_id="msg_same")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["message"] == "Webhook received: user unchanged"
    assert await stored() == before
    assert await user_count() == 1


async def test_older_update_is_ignored(api: httpx.AsyncClient) -> None:
    await deliver(api, user_created(updated_at=1000))
    await deliver(api, user_updated(updated_at=3000, first_name="Newest"))
    response = await deliver(api, user_updated(updated_at=2000, first_name="Stale"))
    assert response.status_code == 200
    assert (await stored() or {})["firstName"] == "Newest"


async def test_update_before_create_keeps_the_newest_data(api: httpx.AsyncClient) -> None:
    await deliver(api, user_updated(updated_at=2000, first_name="Updated"))
    response = await deliver(api, user_created(updated_at=1000, first_name="Created"))
    assert response.status_code == 200
    doc = await stored()
    assert doc is not None and doc["firstName"] == "Updated"
    assert await user_count() == 1


@pytest.mark.parametrize("late", [user_created, user_updated])
async def test_late_events_after_delete_do_not_bring_the_user_back(
    api: httpx.AsyncClient, late: Any
) -> None:
    await deliver(api, user_created(updated_at=1000))
    await deliver(api, user_deleted())
    response = await deliver(api, late(updated_at=5000))
    assert response.status_code == 200
    assert response.json()["message"] == "Webhook received: user gone"
    assert await stored() is None


async def test_delete_before_create_leaves_no_user(api: httpx.AsyncClient) -> None:
    assert (await deliver(api, user_deleted())).status_code == 200
    assert (await deliver(api, user_created())).status_code == 200
    assert await stored() is None
    assert await DeletedUser.get_pymongo_collection().count_documents({}) == 1


async def test_concurrent_deliveries_make_exactly_one_document(api: httpx.AsyncClient) -> None:
    events = [user_created(updated_at=1000)] * 5 + [
        user_updated(updated_at=1000 + n, first_name=f"v{n}") for n in range(1, 6)
    ]
    responses = await asyncio.gather(*(deliver(api, event) for event in events))
    assert [r.status_code for r in responses] == [200] * len(events)
    assert await user_count() == 1
    assert (await stored() or {})["firstName"] == "v5"


async def test_concurrent_create_and_delete_never_resurrect(api: httpx.AsyncClient) -> None:
    for n in range(5):
        user_id = f"user_race_{n}"
        responses = await asyncio.gather(
            deliver(api, user_created(user_id)),
            deliver(api, user_deleted(user_id)),
            deliver(api, user_updated(user_id, updated_at=1_700_000_000_000)),
        )
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert await stored(user_id) is None


async def test_other_event_types_are_ignored(api: httpx.AsyncClient) -> None:
    response = await deliver(api, {"type": "session.created", "data": {"id": "sess_1"}})
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Event session.created ignored"}
    assert await user_count() == 0


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda b, h: (b, {k: v for k, v in h.items() if k != "svix-id"}), "missing-headers"),
        (
            lambda b, h: (b, {k: v for k, v in h.items() if not k.startswith("svix")}),
            "missing-headers",
        ),
        (lambda b, h: (b.replace(b"Example", b"Exampl3"), h), "invalid-signature"),
        (lambda b, h: (b, {**h, "svix-signature": "v1,AAAA"}), "invalid-signature"),
        (lambda b, h: (b, {**h, "content-type": "text/plain"}), None),
    ],
)
async def test_rejections_have_a_json_reason_and_write_nothing(
    api: httpx.AsyncClient, mutate: Any, reason: str | None
) -> None:
    body, headers = mutate(*signed_webhook(user_created()))
    response = await api.post("/webhooks", content=body, headers=headers)
    if reason is None:  # the content type does not matter: the raw body is what is signed
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["reason"] == reason
    assert await user_count() == 0


@pytest.mark.parametrize("age", [timedelta(minutes=10), timedelta(minutes=-10)])
async def test_stale_or_future_timestamps_are_rejected(
    api: httpx.AsyncClient, age: timedelta
) -> None:
    response = await deliver(api, user_created(), age=age)
    assert response.status_code == 400
    assert response.json()["reason"] == "stale-timestamp"
    assert await user_count() == 0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "invalid-json"),
        ({"type": "user.created", "data": {"first_name": "x"}}, "invalid-payload"),
        ({"type": "user.deleted"}, "invalid-payload"),
    ],
)
async def test_bad_bodies_are_rejected(api: httpx.AsyncClient, payload: Any, reason: str) -> None:
    response = await deliver(api, payload)
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert await user_count() == 0


async def test_oversized_bodies_get_413(api: httpx.AsyncClient) -> None:
    big = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = await deliver(api, big)
    assert response.status_code == 413
    assert response.json()["reason"] == "payload-too-large"

    async def chunks() -> Any:  # no Content-Length: the limit applies while streaming
        # Just past the 1 MiB cap: the client has sent it all by the time the 413 comes
        # back, so the answer is read rather than cut off by a reset connection.
        for _ in range(17):
            yield b"x" * 65536

    streamed = await api.post("/webhooks", content=chunks(), headers=signed_webhook(b"{}")[1])
    assert streamed.status_code == 413
    assert await user_count() == 0


async def test_rejections_are_logged_with_their_reason(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    body, headers = signed_webhook(user_created())
    await api.post("/webhooks", content=body, headers={**headers, "svix-signature": "v1,AAAA"})
    assert "POST /webhooks rejected with 400: invalid-signature" in caplog.text


async def test_redelivered_create_removes_a_user_whose_tombstone_check_failed(
    api: httpx.AsyncClient,
) -> None:
    # The first attempt inserted the user, then the database failed before the tombstone check
    # (the sender got a 503); a delete landed meanwhile. The redelivery must not leave the user.
    await User.get_pymongo_collection().insert_one(
        {"clerkUserId": EXAMPLE_USER_ID, "favoriteColor": "RED", "clerkUpdatedAt": 1000}
    )
    await DeletedUser.get_pymongo_collection().insert_one({"_id": EXAMPLE_USER_ID})
    response = await deliver(api, user_created(updated_at=1000), msg_id="msg_retried")
    assert response.status_code == 200
    assert response.json()["message"] == "Webhook received: user gone"
    assert await stored() is None
