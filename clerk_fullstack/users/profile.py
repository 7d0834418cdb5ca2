"""What Clerk says about a user: the value the users service takes from webhooks and the sync."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UserProfile:
    """The user fields Clerk reports (a `user.created`/`user.updated` event, or its API)."""

    clerk_user_id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    clerk_updated_at: int
    """Clerk's `updated_at` in milliseconds: the version of this profile."""
