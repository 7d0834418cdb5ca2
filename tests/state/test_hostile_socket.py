"""A hostile tab on the real backend's socket: handlers called by name, with any payload, often."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from reflex.state import FrontendEventExceptionState

from clerk_fullstack.server.exception_handlers import BACKEND_ERROR_TOAST
from clerk_fullstack.state.lookup import ColorStatus
from tests.helpers import http_client
from tests.helpers.app_process import AppProcess
from tests.helpers.color_tab import (
    STATE,
    a_user_with_a_color,
    answer_token,
    asks_for_token,
    event,
    load_color,
    send_load,
    status_is,
    token_result,
    wants_a_load,
)
from tests.helpers.reflex_socket import (
    ReflexSocket,
    delta_value,
    tree_cpu_seconds,
    tree_rss_kib,
)
from tests.helpers.tokens import TEST_FRONTEND, SigningKey, mint_token, new_signing_key

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_GROWTH_KIB_PER_EVENT = 1.0
"""What the backend may keep per hostile event; a sleeping task per event kept ~7.5 KiB."""

# How many events it takes to see 1 KiB per event. Warmed up, the backend's RSS grows in steps
# of up to ~270 KiB (a new pool or arena) and creeps by under 0.1 KiB per event of these kinds
# (RSS read after each 500-1,000 events, on fresh and on used backends, no leak). A 1 KiB/event
# leak stands three times above that from about 1,200 events on; the bursts below are three or
# four times that, and measure ~0.01-0.2 KiB/event without a leak and ~2.1-2.2 with a 2 KiB one.
HOSTILE_ROUNDS = 500
"""Rounds of the hostile mix below (seven events each) a memory test measures, across its tabs."""

WARM_UP_ROUNDS = 150
"""Rounds sent before RSS is first read: a fresh backend's first hundred rounds grow it by
~4.7 MB once (caches, pools, code paths run for the first time), which is no leak."""

RECHECK_SPAM = 5_000
"""Re-check events with a huge delay, then the tab closes: the reported attack."""

RECHECK_WARM_UP = 2_000
"""Re-checks sent before RSS is first read: on a backend that has only seen a few rounds of the
mix, the first thousand grow it by ~1 MB once."""

STALL_SECONDS = 30.0
"""How long a burst may go without one more answer before the test stops waiting for the rest
(only a failing backend gets there: a warm one answers a few hundred events a second)."""


def error_toasts(update: dict[str, Any]) -> int:
    """How many of the update's events show the backend's error toast: one per event that
    failed, here on arguments its handler does not take."""
    return sum(
        BACKEND_ERROR_TOAST in str((sent.get("payload") or {}).get("function", ""))
        for sent in update.get("events", [])
    )


async def answers(
    tab: ReflexSocket,
    toasts: int,
    *,
    seen: int = 0,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> int:
    """Read the tab's updates until it has been sent `toasts` error toasts (`seen` of them read
    already) and, with `until`, an update that `until` accepts; or until none came for
    `STALL_SECONDS`. How many toasts it was sent; the updates are dropped.

    Background events do not wait for each other, nor does a later event wait for them: each
    bad-argument re-check answers with its own toast, so the toasts say when they have all run.
    """
    waiting = until is not None
    while seen < toasts or waiting:
        try:
            async with asyncio.timeout(STALL_SECONDS):
                update = await tab.updates.get()
        except TimeoutError:
            break
        seen += error_toasts(update)
        waiting = waiting and not (until is not None and until(update))
    return seen


@pytest.fixture
async def tab(backend: AppProcess) -> AsyncIterator[ReflexSocket]:
    """A connected socket with the page's origin, closed after the test."""
    socket = ReflexSocket(backend.url, TEST_FRONTEND)
    await socket.connect()
    yield socket
    await socket.close()


async def settle(tab: ReflexSocket, seconds: float = 120) -> None:
    """Events for one tab run in order: once a `reload` is answered, all before were handled."""
    await tab.send(event("reload"))
    await tab.next_update(wants_a_load, seconds)


async def not_synced(tab: ReflexSocket, signing_key: SigningKey, user_id: str) -> None:
    """Drive the tab to "not synced yet": a valid token for a user the webhook never stored."""
    await send_load(tab, mint_token(signing_key, sub=user_id))
    await tab.next_update(status_is(ColorStatus.NOT_SYNCED))


def hostile_mix(round_: int) -> list[tuple[str, Any]]:
    """One round: re-checks with absurd delays, unasked and junk tokens, nested junk loads."""
    return [
        ("recheck_later", {"generation": round_, "delay": 1e8}),
        ("recheck_later", {"generation": 1, "delay": 10**9}),
        ("recheck_later", {}),
        ("recheck", token_result("x" * 2_000)),
        ("recheck", {"result": {"token": {"nested": [[[round_]] * 20]}, "error": [1, 2]}}),
        ("load", token_result("x" * 2_000)),
        ("load", {"result": {"token": {"nested": [[[round_]] * 20]}, "error": [1, 2]}}),
    ]


TOASTS_PER_ROUND = 2
"""The mix's two re-checks with arguments `recheck_later` does not take fail, one toast each."""

NO_TOAST = "a re-check with arguments recheck_later does not take must fail at once, with a toast"


async def send_hostile_burst(tab: ReflexSocket, rounds: int) -> None:
    """Send `rounds` of the mix, and wait until the backend has handled every event: the
    `reload` after them is answered and each failing re-check's toast has come."""
    seen = 0
    for round_ in range(rounds):
        for handler, payload in hostile_mix(round_):
            await tab.send(event(handler), payload)
        if round_ % 200 == 0:
            seen += sum(map(error_toasts, tab.drain()))  # the client keeps nothing either
    await tab.send(event("reload"))
    expected = TOASTS_PER_ROUND * rounds
    assert await answers(tab, expected, seen=seen, until=wants_a_load) == expected, NO_TOAST


async def send_recheck_spam(tab: ReflexSocket, count: int) -> int:
    """Send `count` re-checks with a huge delay; how many the backend has run (failed on their
    arguments) once they are all answered, or the answers stalled."""
    seen = 0
    for n in range(count):
        await tab.send(event("recheck_later"), {"generation": n, "delay": 1e8})
        if n % 1_000 == 0:
            seen += sum(map(error_toasts, tab.drain()))
    return await answers(tab, count, seen=seen)


# Each memory test warms the backend up with events of its own kind before reading RSS, so each
# can run alone; when they run in order, the ones after the first start warm.
async def test_long_recheck_spam_then_close_keeps_nothing(backend: AppProcess) -> None:
    assert backend.process is not None
    socket = ReflexSocket(backend.url, TEST_FRONTEND)
    await socket.connect()
    await send_hostile_burst(socket, 50)
    assert await send_recheck_spam(socket, RECHECK_WARM_UP) == RECHECK_WARM_UP, NO_TOAST
    before = tree_rss_kib(backend.process.pid)
    handled = await send_recheck_spam(socket, RECHECK_SPAM)
    await socket.close()
    await asyncio.sleep(1)
    after = tree_rss_kib(backend.process.pid)
    per_event = (after - before) / RECHECK_SPAM
    print(
        f"\nRSS {before} -> {after} KiB, {RECHECK_SPAM} re-checks ({handled} run before the"
        f" tab closed): {per_event:.3f} KiB/event"
    )
    assert per_event < MAX_GROWTH_KIB_PER_EVENT
    assert handled == RECHECK_SPAM, NO_TOAST


async def test_closing_the_tab_frees_what_it_asked_for(backend: AppProcess) -> None:
    assert backend.process is not None
    tabs = [ReflexSocket(backend.url, TEST_FRONTEND) for _ in range(3)]
    for socket in tabs:
        await socket.connect()
        await send_hostile_burst(socket, WARM_UP_ROUNDS // len(tabs))
    before = tree_rss_kib(backend.process.pid)
    rounds = HOSTILE_ROUNDS // len(tabs)
    for socket in tabs:
        await send_hostile_burst(socket, rounds)
        await socket.close()
    await asyncio.sleep(1)
    after = tree_rss_kib(backend.process.pid)
    per_event = (after - before) / (len(tabs) * rounds * len(hostile_mix(0)))
    print(f"\nRSS {before} -> {after} KiB after closing 3 hostile tabs: {per_event:.3f} KiB/event")
    assert per_event < MAX_GROWTH_KIB_PER_EVENT


async def test_hostile_events_leave_memory_bounded(backend: AppProcess, tab: ReflexSocket) -> None:
    assert backend.process is not None
    await send_hostile_burst(tab, WARM_UP_ROUNDS)
    before = tree_rss_kib(backend.process.pid)

    await send_hostile_burst(tab, HOSTILE_ROUNDS)
    await asyncio.sleep(1)  # let finished tasks be collected before reading RSS
    after = tree_rss_kib(backend.process.pid)

    events = HOSTILE_ROUNDS * len(hostile_mix(0))
    per_event = (after - before) / events
    print(f"\nRSS {before} -> {after} KiB over {events} hostile events: {per_event:.3f} KiB/event")
    assert per_event < MAX_GROWTH_KIB_PER_EVENT
    # Still serving: the REST route and a fresh tab both answer.
    async with http_client.async_client(base_url=backend.url, timeout=10) as client:
        assert (await client.get("/ping")).status_code == 200
    other = ReflexSocket(backend.url, TEST_FRONTEND)
    await other.connect()
    try:
        await send_load(other, None)
        await other.next_update(status_is(ColorStatus.INVALID_SESSION))
    finally:
        await other.close()


async def test_recheck_spam_while_not_synced_starts_one_recheck(
    tab: ReflexSocket, signing_key: SigningKey
) -> None:
    await not_synced(tab, signing_key, "user_hostile_new")
    generation_guesses = range(0, 50)
    for _ in range(20):
        for generation in generation_guesses:
            await tab.send(event("recheck_later"), {"generation": generation, "delay": 2})
        await tab.send(event("recheck_later"))
    # The first back-off step is 1 s; the re-check asks the browser for one token.
    await tab.next_update(asks_for_token, seconds=20)
    # Unanswered, that request schedules nothing more: wait past the whole back-off.
    await asyncio.sleep(3)
    extra = [update for update in tab.drain() if asks_for_token(update)]
    assert extra == []


async def test_unsolicited_tokens_are_dropped_before_any_check(
    tab: ReflexSocket, signing_key: SigningKey
) -> None:
    # Nothing asked for a token, so none of these re-checks is verified or looked up.
    for n in range(500):
        await answer_token(tab, mint_token(signing_key, sub=f"user_hostile_{n % 5}"))
        await tab.send(event("recheck"), {"result": "y" * 10_000})
    await tab.send(event("reload"))
    updates = await tab.updates_until(wants_a_load)
    statuses = [delta_value(update, STATE, "status") for update in updates]
    assert ColorStatus.NOT_SYNCED.value not in statuses
    assert ColorStatus.INVALID_SESSION.value not in statuses


async def test_a_socket_client_verifies_no_more_tokens_than_a_rest_client(
    backend: AppProcess, tab: ReflexSocket, signing_key: SigningKey
) -> None:
    """A forged token costs one signature check per request over REST, and no more over the
    socket: one per `load` (one answer each; `test_favorite_color` counts the verifications),
    none for a `recheck` nobody asked for, and no event makes the server ask for another."""
    assert backend.process is not None
    count = 300
    # Well-formed and signed, by another key: each one costs a signature check to reject.
    forged = mint_token(new_signing_key(kid=signing_key.kid), sub="user_hostile_forged")
    cpu = tree_cpu_seconds(backend.process.pid)
    async with http_client.async_client(base_url=backend.url, timeout=30) as client:
        for _ in range(count):
            answer = await client.get(
                "/user/favoriteColor", headers={"Authorization": f"Bearer {forged}"}
            )
            assert answer.status_code == 401
    rest_cpu = tree_cpu_seconds(backend.process.pid) - cpu

    await settle(tab)
    cpu = tree_cpu_seconds(backend.process.pid)
    for _ in range(count):
        await answer_token(tab, forged)  # unasked: dropped unread
        await send_load(tab, forged)
        await tab.send(event("recheck_later"))  # nothing is due: no token is asked for
    await tab.send(event("reload"))
    updates = await tab.updates_until(wants_a_load, seconds=120)
    socket_cpu = tree_cpu_seconds(backend.process.pid) - cpu
    print(
        f"\nCPU per forged token: {rest_cpu / count * 1e6:.0f} µs per GET, "
        f"{socket_cpu / count * 1e6:.0f} µs per socket load (with a recheck and a recheck_later)"
    )
    statuses = [delta_value(update, STATE, "status") for update in updates]
    assert statuses.count(ColorStatus.INVALID_SESSION.value) == count
    assert ColorStatus.LOADED.value not in statuses
    assert not [update for update in updates if asks_for_token(update)]


# Item 4 of issue 19: what a socket client sends reaches the log escaped and bounded.

FORGED = "INFO:clerk_fullstack.api.webhooks:Webhook msg_forged for user_admin: deleted"
"""A log line a client would like to write: it must never start a line of the log."""

MAX_LOG_BYTES_PER_HOSTILE_EVENT = 4_096
"""Log growth allowed per hostile event, traceback included (Reflex logged 900 kB events whole)."""

MAX_LOG_LINE_CHARS = 1_000
"""A message is cut at 500 characters; with its prefix and the note of what was cut, a line
stays well under this."""


def forged_text(label: str, size: int) -> str:
    """`label`, then a line break and the forged line, then `size` characters of padding."""
    return f"{label}\n{FORGED}\r\n{FORGED}\n" + "A" * size


def log_lines_since(log: Path, offset: int) -> list[str]:
    with log.open("rb") as file:
        file.seek(offset)
        return file.read().decode("utf-8", "replace").splitlines()


async def wait_for_log(log: Path, offset: int, markers: list[str], seconds: float = 60) -> None:
    """Wait until every marker appears in the log after `offset` (events fail asynchronously)."""
    async with asyncio.timeout(seconds):
        while True:
            text = "\n".join(log_lines_since(log, offset))
            if all(marker in text for marker in markers):
                return
            await asyncio.sleep(0.2)


async def test_hostile_events_write_bounded_lines_and_forge_none(backend: AppProcess) -> None:
    log = backend.log
    before = log.stat().st_size
    rounds = 10
    sent = 0

    # A socket without a client token: Reflex logged each of its events whole.
    nobody = ReflexSocket(backend.url, TEST_FRONTEND, token="")
    await nobody.connect()
    try:
        for n in range(5):
            await nobody.send(event("load"), {"junk": forged_text(f"nobody{n}", 900_000)})
            sent += 1
        await nobody.round_trip()
    finally:
        await nobody.close()

    tab = ReflexSocket(backend.url, TEST_FRONTEND)
    await tab.connect(hydrate=True)
    try:
        report = f"{FrontendEventExceptionState.get_full_name()}.handle_frontend_exception"
        for n in range(rounds):
            text = forged_text(f"report{n}", 50_000)
            await tab.send(report, {"info": text, "component_stack": text})
            await tab.emit("client_error", {"error_type": text, "message": text})
            # An argument the handler does not take (its name is in the TypeError), and a
            # handler that does not exist (its name is in the KeyError and the event's repr).
            await tab.send(event("load"), {forged_text(f"bogus{n}_", 50_000): 1})
            await tab.send(event(forged_text(f"nosuch{n}_", 50_000)), {})
            sent += 4
        await tab.round_trip()
        await wait_for_log(
            log, before, [f"{kind}{n}_" for n in range(rounds) for kind in ("bogus", "nosuch")]
        )
    finally:
        await tab.close()

    grown = log.stat().st_size - before
    lines = log_lines_since(log, before)
    print(f"\nlog +{grown} B for {sent} hostile events: {grown / sent:.0f} B/event")
    assert grown / sent < MAX_LOG_BYTES_PER_HOSTILE_EVENT
    assert max(len(line) for line in lines) < MAX_LOG_LINE_CHARS
    assert [line for line in lines if line.lstrip().startswith(FORGED)] == []
    assert any(FORGED in line for line in lines)  # it was logged, escaped, inside a line


# Item 9 of issue 19: a closed tab's color is not shown to whoever holds its client token.


async def take_over(backend: AppProcess, token: str) -> ReflexSocket:
    """Connect with a closed tab's client token, once Reflex has let go of it (until then it
    treats the socket as a duplicate tab and hands out a fresh token and state)."""
    async with asyncio.timeout(30):
        while True:
            thief = ReflexSocket(backend.url, TEST_FRONTEND, token=token)
            await thief.connect(hydrate=True)
            await thief.round_trip()
            if not thief.new_tokens:
                return thief
            await thief.close()
            await asyncio.sleep(0.1)


def shows_a_color(updates: list[dict[str, Any]]) -> bool:
    return any(
        delta_value(update, STATE, "color") or delta_value(update, STATE, "status") == "loaded"
        for update in updates
    )


async def test_a_closed_tabs_token_shows_nothing_until_a_fresh_token_is_verified(
    backend: AppProcess, signing_key: SigningKey
) -> None:
    user_id, color = await a_user_with_a_color(backend, signing_key)
    victim = ReflexSocket(backend.url, TEST_FRONTEND)
    await victim.connect(hydrate=True)
    assert await load_color(victim, mint_token(signing_key, sub=user_id)) == color
    await victim.close()

    thief = await take_over(backend, victim.token)
    try:
        # The hydrate snapshot Reflex sends a new socket: the tab, started over.
        seen = await thief.updates_until(lambda update: STATE in update.get("delta", {}))
        assert delta_value(seen[-1], STATE, "status") == ColorStatus.IDLE.value
        assert delta_value(seen[-1], STATE, "color") == ""
        assert delta_value(seen[-1], STATE, "load_request")  # the page would load again
        # Whatever it sends without a verified token shows nothing either.
        await thief.send(event("recheck_later"))
        await thief.send(event("reload"))
        await answer_token(thief, mint_token(signing_key, sub=user_id))  # unasked: dropped
        await send_load(thief, None)
        seen += await thief.updates_until(status_is(ColorStatus.INVALID_SESSION))
        await thief.round_trip()
        assert not shows_a_color([*seen, *thief.drain()])
        # A fresh token for the user, verified on this socket, shows the color again.
        assert await load_color(thief, mint_token(signing_key, sub=user_id)) == color
    finally:
        await thief.close()
