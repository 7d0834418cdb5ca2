"""Reflex states: the favorite color, loaded only after server-side token verification."""

from clerk_fullstack.state.favorite_color import SYNC_RETRY_DELAYS, FavoriteColorState
from clerk_fullstack.state.lookup import ColorLookup, ColorStatus, look_up_color

__all__ = [
    "SYNC_RETRY_DELAYS",
    "ColorLookup",
    "ColorStatus",
    "FavoriteColorState",
    "look_up_color",
]
