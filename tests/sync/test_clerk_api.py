"""The Backend API client over real HTTP: Retry-After on 429, bounded retries, clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from clerk_fullstack.sync.reconcile import reconcile
from clerk_fullstack.users.clerk_api import (
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    ClerkAPIError,
    ClerkUsersAPI,
    retry_after_seconds,
)
from tests.helpers.emulator import stored_users
from tests.helpers.ports import free_port
from tests.sync.clerk_double import SECRET_KEY, ClerkDouble, Waits, clerk_user

pytestmark = pytest.mark.integration


async def test_a_429_is_retried_after_the_time_retry_after_asks(clean_db: None) -> None:
    waits = Waits(real=True)
    with ClerkDouble([clerk_user(n) for n in range(3)]) as clerk:
        clerk.failures.append((429, {"Retry-After": "1"}, None))
        async with ClerkUsersAPI(clerk.url, SECRET_KEY, sleep=waits) as api:
            summary = await reconcile(api)
    assert waits == [1.0]
    assert clerk.requests == ["/v1/users/count", "/v1/users/count", "/v1/users"]
    assert summary.created == 3
    assert len(await stored_users()) == 3


async def test_a_5xx_is_retried_a_bounded_number_of_times() -> None:
    waits = Waits(real=False)
    with ClerkDouble([clerk_user(1)]) as clerk:
        clerk.failures += [(503, {}, None)] * 2
        async with ClerkUsersAPI(clerk.url, SECRET_KEY, sleep=waits) as api:
            assert await api.count_users() == 1
        clerk.failures += [(502, {}, None)] * MAX_ATTEMPTS
        async with ClerkUsersAPI(clerk.url, SECRET_KEY, sleep=waits) as api:
            with pytest.raises(ClerkAPIError, match="failed 5 times"):
                await api.count_users()
    assert waits == [1.0, 2.0, 1.0, 2.0, 4.0, 8.0]


async def test_network_errors_are_retried_then_reported() -> None:
    waits = Waits(real=False)
    async with ClerkUsersAPI(f"http://127.0.0.1:{free_port()}", SECRET_KEY, sleep=waits) as api:
        with pytest.raises(ClerkAPIError, match="ConnectError"):
            await api.list_users(limit=10, order_by="-created_at")
    assert len(waits) == MAX_ATTEMPTS - 1


async def test_a_wrong_secret_key_fails_at_once_with_clerks_reason() -> None:
    waits = Waits(real=False)
    with ClerkDouble([]) as clerk:
        async with ClerkUsersAPI(clerk.url, "sk_test_wrong", sleep=waits) as api:
            with pytest.raises(ClerkAPIError, match="refused: Bad secret key"):
                await api.count_users()
    assert waits == []


@pytest.mark.unit
def test_retry_after_takes_seconds_or_an_http_date_within_bounds() -> None:
    in_30s = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds("3", default=1) == 3
    assert 25 < retry_after_seconds(in_30s, default=1) <= 30
    assert retry_after_seconds("soon", default=1) == 1
    assert retry_after_seconds(None, default=2) == 2
    assert retry_after_seconds("86400", default=1) == MAX_RETRY_AFTER_SECONDS
