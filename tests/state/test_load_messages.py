"""What a color load costs on the wire, on the real backend: one event up, one delta down.

The page's token sender sends the session token with the `load` event itself, so the server
never has to ask for one first; only a re-check the server scheduled starts with its delta.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from clerk_fullstack.state.lookup import ColorStatus as Status
from tests.helpers.app_process import AppProcess
from tests.helpers.color_tab import (
    STATE,
    a_user_with_a_color,
    answer_token,
    asks_for_token,
    send_load,
    status_is,
)
from tests.helpers.payloads import user_created
from tests.helpers.reflex_socket import ReflexSocket, delta_value
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token
from tests.helpers.webhooks import signed_webhook

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUIET_SECONDS = 1.0
"""How long to listen after a load's answer for any further message."""


async def hydrated_tab(backend: AppProcess) -> ReflexSocket:
    """A tab that connected as the page does, with its boot messages already read."""
    tab = ReflexSocket(backend.url, TEST_FRONTEND)
    await tab.connect(hydrate=True)
    await tab.next_update(lambda update: STATE in update.get("delta", {}))
    await tab.round_trip()
    await asyncio.sleep(QUIET_SECONDS)
    tab.drain()
    return tab


async def messages_until_quiet(tab: ReflexSocket, first: dict[str, Any]) -> list[dict[str, Any]]:
    """`first`, and every update that still comes within `QUIET_SECONDS`."""
    await tab.round_trip()
    await asyncio.sleep(QUIET_SECONDS)
    return [first, *tab.drain()]


async def test_a_load_is_one_event_up_and_one_delta_down(
    backend: AppProcess, signing_key: SigningKey
) -> None:
    user_id, color = await a_user_with_a_color(backend, signing_key)
    tab = await hydrated_tab(backend)
    try:
        sent = tab.events_sent
        await send_load(tab, mint_token(signing_key, sub=user_id))
        down = await messages_until_quiet(tab, await tab.next_update(status_is(Status.LOADED)))
        up = tab.events_sent - sent
    finally:
        await tab.close()
    print(f"\ncolor load: {up} event up, {len(down)} delta down")
    assert (up, len(down)) == (1, 1)
    (delta,) = down
    assert delta_value(delta, STATE, "color") == color
    assert not asks_for_token(delta)


async def test_a_recheck_is_one_delta_asking_then_one_event_up_and_one_delta_down(
    backend: AppProcess, signing_key: SigningKey
) -> None:
    user_id = f"user_late_{uuid.uuid4().hex[:8]}"
    tab = await hydrated_tab(backend)
    try:
        await send_load(tab, mint_token(signing_key, sub=user_id))
        await tab.next_update(status_is(Status.NOT_SYNCED))
        # The webhook lands during the back-off; the server's re-check comes due 1 s later.
        body, headers = signed_webhook(user_created(user_id))
        async with httpx.AsyncClient(base_url=backend.url, timeout=30) as client:
            assert (
                await client.post("/webhooks", content=body, headers=headers)
            ).status_code == 200
        asked = await tab.updates_until(asks_for_token, seconds=10)
        sent = tab.events_sent
        await answer_token(tab, mint_token(signing_key, sub=user_id))
        down = await messages_until_quiet(tab, await tab.next_update(status_is(Status.LOADED)))
        up = tab.events_sent - sent
    finally:
        await tab.close()
    print(f"\nre-check: {len(asked)} delta asking, {up} event up, {len(down)} delta down")
    assert (len(asked), up, len(down)) == (1, 1, 1)
