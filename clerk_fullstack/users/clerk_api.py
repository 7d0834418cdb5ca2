"""A small client for Clerk's Backend API users endpoints: paging, 429 and 5xx retries.

Each request has a deadline for the whole answer (a trickling body is cut off), waits that a
`Retry-After` asks for are finite and capped, and paging ends at `total_count` or at a page
already seen, so a broken or hostile API can neither hang a sync nor page it forever.

`get_user` is the exception: one attempt, no retries, for a caller that is waiting on it (the
app fetching a user whose webhook has not arrived yet, see `missing_users`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from clerk_fullstack.core.tls import client_tls

MAX_PAGE_SIZE = 500
"""Clerk's largest `limit` for `GET /v1/users`."""
MAX_ATTEMPTS = 5
"""Tries per request for 5xx answers and network errors."""
MAX_RATE_LIMITED = 10
"""Tries per request while Clerk keeps answering 429."""
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)
MAX_RETRY_AFTER_SECONDS = 60.0
"""A longer Retry-After than this is waited for only this long, so a run never hangs (Clerk's
rate limits are counted over 10 s windows, so its own answers ask for far less)."""
TIMEOUT_SECONDS = 30.0
"""Per network operation (connect, each read): a silent server."""
REQUEST_DEADLINE_SECONDS = 60.0
"""Per whole request, answer included: a server that trickles its answer byte by byte. A page
of 500 users is about 1 MB, which Clerk sends in well under a second."""

Sleep = Callable[[float], Awaitable[None]]


class ClerkAPIError(RuntimeError):
    """Clerk refused a request, or kept failing after the retries; the message says which."""


def retry_after_seconds(value: str | None, *, default: float) -> float:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date), within bounds.

    A value that is no wait at all (`nan`, a negative number, words) gets `default`; a date in
    the past is no wait; anything longer than `MAX_RETRY_AFTER_SECONDS` (`inf` too) is capped.
    """
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return default
        seconds = max(seconds, 0.0)
    if math.isnan(seconds) or seconds < 0:
        return default
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def error_message(response: httpx.Response) -> str:
    """Clerk's own words for a refusal (`errors[0].long_message`), or the status line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("long_message") or first.get("message"))
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return f"HTTP {response.status_code} {response.reason_phrase}"


def error_code(response: httpx.Response) -> str | None:
    """Clerk's `errors[0].code`, if the body has Clerk's error envelope."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            return code if isinstance(code, str) else None
    return None


class ClerkUsersAPI:
    """`GET /v1/users` and `/v1/users/count` with the secret key, retried where it is safe."""

    def __init__(
        self,
        base_url: str,
        secret_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        timeout: float = TIMEOUT_SECONDS,
        deadline: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"authorization": f"Bearer {secret_key}"},
            timeout=timeout,
            transport=transport,
            verify=client_tls(),
        )
        self._sleep = sleep
        self._deadline = deadline

    async def __aenter__(self) -> ClerkUsersAPI:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def count_users(self) -> int:
        """How many users Clerk has."""
        body = await self._get("/v1/users/count", {})
        if not isinstance(body, dict) or not isinstance(body.get("total_count"), int):
            raise ClerkAPIError("GET /v1/users/count did not answer a total_count")
        return int(body["total_count"])

    async def list_users(
        self, *, limit: int, offset: int = 0, order_by: str, user_ids: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """One page of User objects."""
        params: dict[str, Any] = {"limit": limit, "offset": offset, "order_by": order_by}
        if user_ids:
            params["user_id"] = list(user_ids)
        body = await self._get("/v1/users", params)
        if not isinstance(body, list) or not all(isinstance(u, dict) for u in body):
            raise ClerkAPIError("GET /v1/users did not answer an array of users")
        return body

    async def get_user(self, user_id: str) -> dict[str, Any] | None:
        """`GET /v1/users/{id}`: the User object, or None when Clerk says it has no such user.

        One attempt, no retries: a network error, a 429, a 5xx or any other refusal is a
        `ClerkAPIError`. Only a 404 carrying Clerk's `resource_not_found` counts as "no such
        user", so a wrong base URL is not mistaken for an unknown user.
        """
        path = f"/v1/users/{quote(user_id, safe='')}"
        try:
            response = await self._send(path, {})
        except httpx.TransportError as exc:
            raise ClerkAPIError(f"GET /v1/users/{{id}} failed: {type(exc).__name__}") from None
        if response.status_code == 404 and error_code(response) == "resource_not_found":
            return None
        body = _success_body("/v1/users/{id}", response)
        if not isinstance(body, dict):
            raise ClerkAPIError("GET /v1/users/{id} did not answer a user object")
        return body

    async def pages(
        self, *, order_by: str, page_size: int = MAX_PAGE_SIZE, total: int | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page, by offset, until a short one, `total` users, or a page already seen.

        `total` is `count_users()` at the start: users who sign up meanwhile push the last
        ones past it, and the caller asks about stored users it did not see by id. A page whose
        users were all on earlier pages means the server ignores `offset`: paging stops.
        """
        offset = 0
        seen: set[str] = set()
        while True:
            page = await self.list_users(limit=page_size, offset=offset, order_by=order_by)
            ids = {user["id"] for user in page if isinstance(user.get("id"), str)}
            if ids and ids <= seen:
                return
            seen |= ids
            if page:
                yield page
            offset += len(page)
            if len(page) < page_size or (total is not None and offset >= total):
                return

    async def _send(self, path: str, params: dict[str, Any]) -> httpx.Response:
        """One GET, answer read, within the request deadline (`httpx.ReadTimeout` if not)."""
        try:
            async with asyncio.timeout(self._deadline) as deadline:
                return await self._client.get(path, params=params)
        except TimeoutError:
            if not deadline.expired():
                raise
            message = f"no whole answer within the {self._deadline:g} s deadline"
            raise httpx.ReadTimeout(message) from None

    async def _get(self, path: str, params: dict[str, Any]) -> Any:
        failures = rate_limited = 0
        while True:
            try:
                response = await self._send(path, params)
            except httpx.TransportError as exc:
                failures += 1
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 429 and rate_limited + 1 < MAX_RATE_LIMITED:
                    rate_limited += 1
                    wait = BACKOFF_SECONDS[min(rate_limited, len(BACKOFF_SECONDS)) - 1]
                    retry_after = response.headers.get("retry-after")
                    await self._sleep(retry_after_seconds(retry_after, default=wait))
                    continue
                if response.status_code < 500 or response.status_code == 501:
                    return _success_body(path, response)
                failures += 1
                problem = error_message(response)
            if failures >= MAX_ATTEMPTS:
                raise ClerkAPIError(f"GET {path} failed {failures} times; last: {problem}")
            await self._sleep(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])


def _success_body(path: str, response: httpx.Response) -> Any:
    """The JSON of a 2xx answer, or `ClerkAPIError` with Clerk's reason."""
    if not response.is_success:
        raise ClerkAPIError(f"GET {path} was refused: {error_message(response)}")
    try:
        return response.json()
    except ValueError:
        raise ClerkAPIError(f"GET {path} did not answer JSON") from None
