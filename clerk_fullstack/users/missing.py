"""A signed-in user MongoDB lacks: fetch it from Clerk's Backend API and store it, politely.

A user who has just signed up can reach the app before Clerk's `user.created` webhook does.
When a verified token names a user with no document and no tombstone, `fetch_color` asks Clerk
(`GET /v1/users/{id}` with the secret key) and stores the answer through the users service,
under a webhook's rules: a random color, once; newer profile data wins by `updated_at`; a
tombstone always wins. The limits protecting Clerk's rate limit are `user_fetch.Fetcher`'s.

Outcomes: FOUND with the color; NOT_FOUND when Clerk has no such user or the user was deleted
(nothing stored); UNAVAILABLE when Clerk failed, was slow past the deadline, or this process is
at its limits (nothing stored; callers give today's "not synced yet" answer).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass

from clerk_fullstack.core.clerk_instance import get_clerk_instance
from clerk_fullstack.core.errors import UserNotStorableError, WebhookError
from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.users import service as users
from clerk_fullstack.users.clerk_api import ClerkAPIError, ClerkUsersAPI
from clerk_fullstack.users.fetch import Fetched, Fetcher, FetchLimits, FetchStatus
from clerk_fullstack.users.models import FavoriteColor
from clerk_fullstack.webhooks.events import user_profile

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClerkSource:
    """Where and how to ask: the Backend API, its secret key, the deadline and the limits."""

    api_url: str
    secret_key: str
    deadline_seconds: float
    limits: FetchLimits


def current_source() -> ClerkSource | None:
    """The source the settings describe, or None when fetching is off or has no secret key."""
    settings = get_settings()
    instance = get_clerk_instance()
    if not settings.clerk_fetch_missing_users or not instance.secret_key:
        return None
    rate = settings.clerk_user_fetch_rate_per_second
    return ClerkSource(
        api_url=instance.api_url,
        secret_key=instance.secret_key,
        deadline_seconds=settings.clerk_user_fetch_timeout_seconds,
        limits=FetchLimits(
            max_in_flight=settings.clerk_user_fetch_max_in_flight,
            rate_per_second=rate,
            burst=max(int(rate), 1),
            negative_ttl_seconds=settings.clerk_user_fetch_negative_ttl_seconds,
        ),
    )


_fetchers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, tuple[ClerkSource, Fetcher[FavoriteColor]]
] = weakref.WeakKeyDictionary()


def fetcher_for(source: ClerkSource) -> Fetcher[FavoriteColor]:
    """This event loop's fetcher for `source` (a new one when the settings changed)."""
    loop = asyncio.get_running_loop()
    known = _fetchers.get(loop)
    if known is None or known[0] != source:
        known = (source, Fetcher(lambda user_id: load_color(source, user_id), source.limits))
        _fetchers[loop] = known
    return known[1]


async def fetch_color(clerk_user_id: str) -> Fetched[FavoriteColor]:
    """The color of a user MongoDB lacked, once fetched from Clerk and stored (see module)."""
    source = current_source()
    if source is None:
        return Fetched(FetchStatus.UNAVAILABLE, reason="fetch-off")
    fetched = await fetcher_for(source).get(clerk_user_id)
    if fetched.status is not FetchStatus.FOUND:
        logger.info("User %s not fetched from Clerk: %s", clerk_user_id, fetched.reason)
    return fetched


async def load_color(source: ClerkSource, clerk_user_id: str) -> Fetched[FavoriteColor]:
    """Ask Clerk about the user once, store what it answers, and read the stored color.

    A database failure is raised (the caller's 503); every Clerk failure is UNAVAILABLE.
    """
    if await users.is_deleted(clerk_user_id):
        return Fetched(FetchStatus.NOT_FOUND, reason="deleted")
    try:
        async with (
            asyncio.timeout(source.deadline_seconds),
            ClerkUsersAPI(
                source.api_url, source.secret_key, timeout=source.deadline_seconds
            ) as api,
        ):
            data = await api.get_user(clerk_user_id)
    except TimeoutError:
        return Fetched(FetchStatus.UNAVAILABLE, reason="clerk-timeout")
    except ClerkAPIError as exc:
        logger.warning("Fetching user %s from Clerk failed: %s", clerk_user_id, exc)
        return Fetched(FetchStatus.UNAVAILABLE, reason="clerk-error")
    if data is None:
        return Fetched(FetchStatus.NOT_FOUND, reason="unknown-to-clerk")
    try:
        profile = user_profile(data)
    except WebhookError as exc:
        logger.warning("Clerk sent user %s in a shape this app cannot read: %s", clerk_user_id, exc)
        return Fetched(FetchStatus.UNAVAILABLE, reason="clerk-unreadable")
    if profile.clerk_user_id != clerk_user_id:
        return Fetched(FetchStatus.UNAVAILABLE, reason="clerk-other-user")
    try:
        result = await users.save_profile(profile)
    except UserNotStorableError as exc:
        logger.warning("User %s from Clerk not stored: %s", clerk_user_id, exc.message)
        return Fetched(FetchStatus.UNAVAILABLE, reason=exc.reason)
    if result is users.SyncResult.GONE:
        return Fetched(FetchStatus.NOT_FOUND, reason="deleted")
    color = await users.get_favorite_color(clerk_user_id=clerk_user_id)
    if color is None:  # deleted between the write and this read
        return Fetched(FetchStatus.NOT_FOUND, reason="deleted")
    return Fetched(FetchStatus.FOUND, value=color, reason=result.value)
