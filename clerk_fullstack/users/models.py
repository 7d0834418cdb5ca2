"""MongoDB documents, shaped like the tutorial's: a database its Express server filled works."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from beanie import Document, Indexed
from pydantic import ConfigDict, Field

from clerk_fullstack.users.profile import UserProfile


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


class DeletedBy(StrEnum):
    """Who deleted a user here: a `user.deleted` webhook, or a sync that did not find the user."""

    WEBHOOK = "webhook"
    """Clerk said so. Tombstones stored before this field existed count as webhook ones."""
    SYNC = "sync"
    """`sync --delete-missing`: undone by any later listing that shows the user."""


class DeletedUser(Document):
    """A tombstone for a deleted Clerk user, so late events cannot bring the user back."""

    model_config = ConfigDict(populate_by_name=True)

    id: str  # type: ignore[assignment]  # the Clerk user id
    deleted_at: datetime = Field(default_factory=utcnow, alias="deletedAt")
    clerk_deleted_at: int | None = Field(default=None, alias="clerkDeletedAt")
    """When Clerk deleted the user (ms, the `user.deleted` event's `timestamp`), when known."""
    deleted_by: DeletedBy | None = Field(default=None, alias="deletedBy")
    """None on tombstones older than this field: they are treated as webhook ones."""
    favorite_color: FavoriteColor | None = Field(default=None, alias="favoriteColor")
    """A sync's tombstone keeps the user's color, given back if a later listing shows the user."""
    user_created_at: datetime | None = Field(default=None, alias="userCreatedAt")
    """A sync's tombstone keeps when the user was first stored, given back with the color."""

    class Settings:
        name = "deleted_users"


class ClerkInstanceRecord(Document):
    """Which Clerk instance this database's users belong to, recorded by the first sync."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = "clerk"  # type: ignore[assignment]  # one record per database
    issuer: str
    """`https://<Frontend API host>`, from the publishable key the sync ran with."""
    recorded_at: datetime = Field(default_factory=utcnow, alias="recordedAt")

    class Settings:
        name = "clerk_instance"


DOCUMENT_MODELS: list[type[Document]] = [User, DeletedUser, ClerkInstanceRecord]


def _stored_name(model: type[Document], attribute: str) -> str:
    field = model.model_fields[attribute]
    return field.alias or attribute


@dataclass(frozen=True, slots=True)
class UserFields:
    """The stored (aliased) names of `User` fields for raw queries: `first_name` → `firstName`."""

    clerk_user_id: str = _stored_name(User, "clerk_user_id")
    email: str = _stored_name(User, "email")
    first_name: str = _stored_name(User, "first_name")
    last_name: str = _stored_name(User, "last_name")
    favorite_color: str = _stored_name(User, "favorite_color")
    created_at: str = _stored_name(User, "created_at")
    updated_at: str = _stored_name(User, "updated_at")
    clerk_updated_at: str = _stored_name(User, "clerk_updated_at")


USER = UserFields()
"""`USER.first_name == "firstName"`: field names checked by mypy, spelled by the model."""
TOMBSTONE_ID = "_id"
"""`DeletedUser` is keyed by the Clerk user id."""
TOMBSTONE_DELETED_AT = _stored_name(DeletedUser, "deleted_at")
TOMBSTONE_CLERK_DELETED_AT = _stored_name(DeletedUser, "clerk_deleted_at")
TOMBSTONE_DELETED_BY = _stored_name(DeletedUser, "deleted_by")
TOMBSTONE_FAVORITE_COLOR = _stored_name(DeletedUser, "favorite_color")
TOMBSTONE_USER_CREATED_AT = _stored_name(DeletedUser, "user_created_at")
INSTANCE_RECORD_ID = "clerk"
INSTANCE_ISSUER = _stored_name(ClerkInstanceRecord, "issuer")
INSTANCE_RECORDED_AT = _stored_name(ClerkInstanceRecord, "recorded_at")


def profile_fields(profile: UserProfile, *, now: datetime) -> dict[str, Any]:
    """The fields an event may change on a stored user (never its color or creation time)."""
    return {
        USER.email: profile.email,
        USER.first_name: profile.first_name,
        USER.last_name: profile.last_name,
        USER.clerk_updated_at: profile.clerk_updated_at,
        USER.updated_at: now,
    }


@dataclass(frozen=True, slots=True)
class KeptFields:
    """What a sync's tombstone kept of a deleted user, to give back if the user returns."""

    favorite_color: FavoriteColor | None = None
    created_at: datetime | None = None


def new_user_fields(*, now: datetime, kept: KeptFields | None = None) -> dict[str, Any]:
    """The fields only a new user gets: a random favorite color (or the one a sync's tombstone
    kept) and its creation time."""
    color = kept.favorite_color if kept and kept.favorite_color else FavoriteColor.random()
    created_at = kept.created_at if kept and kept.created_at else now
    return {USER.favorite_color: color.value, USER.created_at: created_at}


def new_user_document(profile: UserProfile, *, now: datetime) -> dict[str, Any]:
    """The whole document of a new user: the one place a user's stored shape is spelled out."""
    return {
        USER.clerk_user_id: profile.clerk_user_id,
        **profile_fields(profile, now=now),
        **new_user_fields(now=now),
    }
