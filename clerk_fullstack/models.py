"""MongoDB documents, shaped like the tutorial's: a database its Express server filled works."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from beanie import Document, Indexed
from pydantic import ConfigDict, Field


class FavoriteColor(StrEnum):
    """The colors a user may be given."""

    RED = "RED"
    GREEN = "GREEN"
    BLUE = "BLUE"

    @classmethod
    def random(cls) -> FavoriteColor:
        """Pick one at random, as the tutorial does when a user is created."""
        return random.choice(list(cls))  # noqa: S311 - a color, not a secret


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


class User(Document):
    """A Clerk user, kept in sync by webhooks (collection `users`)."""

    model_config = ConfigDict(populate_by_name=True)

    clerk_user_id: Annotated[str, Indexed(unique=True)] = Field(alias="clerkUserId")
    email: str | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    favorite_color: FavoriteColor = Field(alias="favoriteColor")
    created_at: datetime = Field(default_factory=utcnow, alias="createdAt")
    updated_at: datetime = Field(default_factory=utcnow, alias="updatedAt")
    clerk_updated_at: int | None = Field(default=None, alias="clerkUpdatedAt")
    """Clerk's `data.updated_at` (ms) of the newest event applied; older events are ignored."""

    class Settings:
        name = "users"


class DeletedUser(Document):
    """A tombstone for a deleted Clerk user, so late events cannot bring the user back."""

    model_config = ConfigDict(populate_by_name=True)

    id: str  # type: ignore[assignment]  # the Clerk user id
    deleted_at: datetime = Field(default_factory=utcnow, alias="deletedAt")

    class Settings:
        name = "deleted_users"


DOCUMENT_MODELS: list[type[Document]] = [User, DeletedUser]
