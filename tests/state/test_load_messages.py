"""What a color load costs on the wire, on the real backend: one event up, one delta down.

The page's token sender sends the session token with the `load` event itself, so the server
never has to ask for one first; only a re-check the server scheduled starts with its delta.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import pytest

from clerk_fullstack.state.lookup import ColorStatus as Status
from tests.helpers import http_client
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
from tests.helpers.webhooks import deliver

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


async def exchange(tab: ReflexSocket, send: Awaitable[None]) -> tuple[int, list[dict[str, Any]]]:
    """How many events `send` sends up, and every delta down until the color is loaded and the
    socket stays quiet."""
    sent = tab.events_sent
    await send
    down = await messages_until_quiet(tab, await tab.next_update(status_is(Status.LOADED)))
    return tab.events_sent - sent, down


async def test_a_load_is_one_event_up_and_one_delta_down(
    backend: AppProcess, signing_key: SigningKey
) -> None:
    user_id, color = await a_user_with_a_color(backend, signing_key)
    tab = await hydrated_tab(backend)
    try:
        up, down = await exchange(tab, send_load(tab, mint_token(signing_key, sub=user_id)))
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
        async with http_client.async_client(base_url=backend.url, timeout=30) as client:
            assert (await deliver(client, user_created(user_id))).status_code == 200
        asked = await tab.updates_until(asks_for_token, seconds=10)
        up, down = await exchange(tab, answer_token(tab, mint_token(signing_key, sub=user_id)))
    finally:
        await tab.close()
    print(f"\nre-check: {len(asked)} delta asking, {up} event up, {len(down)} delta down")
    assert (len(asked), up, len(down)) == (1, 1, 1)
