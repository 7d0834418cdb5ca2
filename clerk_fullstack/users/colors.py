"""Favorite-color reads, batched; a stored color the app does not know is re-drawn, not fatal.

A user whose stored `favoriteColor` is missing or not one of the app's colors (a legacy value
such as "purple") gets a newly drawn color, stored with the old value kept in
`legacyFavoriteColor`, so nothing is lost and the other lookups of the batch are unaffected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from clerk_fullstack.core.errors import clip
from clerk_fullstack.users.models import USER, FavoriteColor
from clerk_fullstack.users.store import database_call, database_unavailable, users

logger = logging.getLogger(__name__)

LEGACY_FAVORITE_COLOR = "legacyFavoriteColor"
MISSING = object()
"""The stored document has no `favoriteColor` field at all."""
KNOWN_COLORS = frozenset(color.value for color in FavoriteColor)


def known_color(value: object) -> FavoriteColor | None:
    """The color `value` names, or None when it is not one of the app's colors."""
    return FavoriteColor(value) if isinstance(value, str) and value in KNOWN_COLORS else None


async def colors_many(clerk_user_ids: Sequence[str]) -> list[FavoriteColor | BaseException | None]:
    """Favorite colors for many users in one query; each unknown stored color fails alone."""
    async with database_call():
        cursor = users().find(
            {USER.clerk_user_id: {"$in": sorted(set(clerk_user_ids))}},
            {USER.clerk_user_id: 1, USER.favorite_color: 1, "_id": 0},
        )
        found = {
            doc[USER.clerk_user_id]: doc.get(USER.favorite_color, MISSING) async for doc in cursor
        }
    outcomes: list[FavoriteColor | BaseException | None] = []
    redrawn: dict[str, FavoriteColor | BaseException | None] = {}
    for clerk_user_id in clerk_user_ids:
        if clerk_user_id not in found:
            outcomes.append(None)
            continue
        color = known_color(found[clerk_user_id])
        if color is None:
            if clerk_user_id not in redrawn:  # the same user twice in a batch: one re-draw
                try:
                    redrawn[clerk_user_id] = await redraw(clerk_user_id, found[clerk_user_id])
                except Exception as exc:  # noqa: BLE001 - this user's own error, to its caller
                    redrawn[clerk_user_id] = exc
            outcomes.append(redrawn[clerk_user_id])
        else:
            outcomes.append(color)
    return outcomes


async def redraw(clerk_user_id: str, stored: object) -> FavoriteColor | None:
    """Give the user a new color in place of `stored`, keeping the old value alongside."""
    new = FavoriteColor.random()
    match: dict[str, Any] = {USER.clerk_user_id: clerk_user_id}
    fields: dict[str, Any] = {USER.favorite_color: new.value}
    if stored is MISSING:
        match[USER.favorite_color] = {"$exists": False}
    else:
        match[USER.favorite_color] = stored
        fields[LEGACY_FAVORITE_COLOR] = stored
    async with database_call():
        result = await users().update_one(match, {"$set": fields})
        if result.modified_count:
            logger.warning(
                "User %s had favorite color %s; re-drawn as %s",
                clerk_user_id,
                "missing" if stored is MISSING else clip(stored),
                new.value,
            )
            return new
        # A concurrent lookup re-drew it first (use what it stored), or the user was deleted.
        doc = await users().find_one({USER.clerk_user_id: clerk_user_id})
    if doc is None:
        return None
    color = known_color(doc.get(USER.favorite_color))
    if color is None:
        raise database_unavailable(RuntimeError("favorite color changed during its re-draw"))
    return color
