"""The favorite-color state over a raw Reflex socket, as the page drives it."""

from __future__ import annotations

import uuid
from typing import Any

from clerk_fullstack.state.favorite_color import FavoriteColorState
from clerk_fullstack.state.lookup import ColorStatus
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.payloads import user_created
from tests.helpers.reflex_socket import ReflexSocket, delta_value
from tests.helpers.tokens import SigningKey, mint_token
from tests.helpers.webhooks import deliver

STATE = FavoriteColorState.get_full_name()


def event(handler: str) -> str:
    """The full name of a `FavoriteColorState` handler, as the page sends it."""
    return f"{STATE}.{handler}"


def status_is(status: ColorStatus) -> Any:
    """A predicate: the update shows `status`."""
    return lambda update: delta_value(update, STATE, "status") == status.value


def asks_for_token(update: dict[str, Any]) -> bool:
    """Whether the update asks the browser for a token (a new request id in the delta)."""
    return bool(delta_value(update, STATE, "token_request"))


def wants_a_load(update: dict[str, Any]) -> bool:
    """Whether the update says the tab started over and wants a load (a new `load_request`)."""
    return bool(delta_value(update, STATE, "load_request"))


def token_result(token: Any) -> dict[str, Any]:
    """The payload the page's token sender sends with `load` and `recheck`."""
    return {"result": {"token": token, "error": None}}


async def send_load(tab: ReflexSocket, token: Any) -> None:
    """Load as the page does: one `load` event carrying the session token."""
    await tab.send(event("load"), token_result(token))


async def answer_token(tab: ReflexSocket, token: str | None) -> None:
    """Answer a token request (a re-check) as the page does."""
    await tab.send(event("recheck"), token_result(token))


async def a_user_with_a_color(backend: AppProcess, signing_key: SigningKey) -> tuple[str, str]:
    """A user stored through a signed webhook, and the color the REST route reads for them."""
    user_id = f"user_victim_{uuid.uuid4().hex[:8]}"
    token = mint_token(signing_key, sub=user_id)
    async with http_client.async_client(base_url=backend.url, timeout=30) as client:
        assert (await deliver(client, user_created(user_id))).status_code == 200
        answer = await client.get(
            "/user/favoriteColor", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200
    return user_id, str(answer.json()["payload"])


async def load_color(tab: ReflexSocket, token: str) -> str:
    """Load as the page does, with `token`; the color shown."""
    await send_load(tab, token)
    loaded = await tab.next_update(status_is(ColorStatus.LOADED))
    return str(delta_value(loaded, STATE, "color"))
