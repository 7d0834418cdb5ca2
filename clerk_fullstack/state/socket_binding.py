"""What a tab shows belongs to the socket that loaded it: a new socket starts from nothing.

Reflex keys a tab's state by the client token in the socket's URL, and sends the whole state to
whichever socket connects with that token (its hydrate event). A reconnect, or another client
that has the token of a closed tab, would get the color verified for the old socket without any
session token. `ForgetOtherSocket` runs before every event's handler (Reflex's middleware hook,
`App.add_middleware`), hydrate included, and lets `FavoriteColorState` start over when the event
comes from another socket than the one it loaded for.
"""

from __future__ import annotations

from typing import Any

from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.constants import RouteVar

from clerk_fullstack.state.favorite_color import FavoriteColorState


class ForgetOtherSocket(Middleware):
    """Before each event: the favorite-color state forgets a load made for another socket."""

    async def preprocess(self, app: Any, state: BaseState, event: Any) -> StateUpdate | None:
        """Compare the event's socket with the load's; never answers in the handler's place."""
        # Reflex sets the socket's session id from the connection, never from the client's data.
        socket = str(state.router_data.get(RouteVar.SESSION_ID, ""))
        color_state = await state.get_state(FavoriteColorState)
        color_state._forget_other_socket(socket)
        return None
