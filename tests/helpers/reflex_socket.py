"""A browser tab's Reflex socket without a browser: send events by name, read what comes back."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import socketio
from reflex.state import State
from reflex_base.constants import CompileVars

NAMESPACE = "/_event"
"""Reflex's event namespace; the socket also lives at this path."""

PAGE = "/my-favorite-color"

HYDRATE = f"{State.get_full_name()}.{CompileVars.HYDRATE_AND_LOAD}"
"""The boot event Reflex's frontend sends with each connect."""


class ReflexSocket:
    """One tab: its own client token, the `event` emits Reflex's frontend sends, and the updates.

    `token` reuses a client token (another tab's, or "" for none); `cookie` is sent with the
    handshake, as a browser sends the page's cookies.
    """

    def __init__(
        self,
        url: str,
        origin: str,
        *,
        page: str = PAGE,
        token: str | None = None,
        cookie: str | None = None,
    ) -> None:
        self.url = url
        self.origin = origin
        self.page = page
        self.token = str(uuid.uuid4()) if token is None else token
        self.cookie = cookie
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.new_tokens: list[str] = []
        """Tokens Reflex handed out instead of `token` (it saw the token on another socket)."""
        self.events_sent = 0
        """How many `event` messages (Reflex events) this tab has sent."""
        self._pongs: asyncio.Queue[object] = asyncio.Queue()
        self._client = socketio.AsyncClient(reconnection=False)
        self._client.on("event", self._on_update, namespace=NAMESPACE)
        self._client.on("ping", self._pongs.put, namespace=NAMESPACE)
        self._client.on("new_token", self.new_tokens.append, namespace=NAMESPACE)

    async def _on_update(self, update: dict[str, Any]) -> None:
        await self.updates.put(update)

    async def connect(self, *, hydrate: bool = False) -> None:
        """Connect over a websocket as `state.js` does: token in the query, the page's Origin;
        with `hydrate`, the page's boot event (`hydrate_and_load`) rides in the CONNECT packet."""
        headers = {"Origin": self.origin}
        if self.cookie is not None:
            headers["Cookie"] = self.cookie
        await self._client.connect(
            f"{self.url}?token={self.token}",
            socketio_path=NAMESPACE,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            headers=headers,
            auth={"event": self._event(HYDRATE, {})} if hydrate else None,
            wait_timeout=30,
        )

    async def close(self) -> None:
        """Disconnect, as closing the tab does."""
        await self._client.disconnect()

    def _event(self, name: str, payload: Any) -> dict[str, Any]:
        router_data = {"pathname": self.page, "query": {}, "asPath": self.page}
        return {"name": name, "payload": payload, "router_data": router_data}

    async def send(self, name: str, payload: Any = None) -> None:
        """Emit one event; `payload` goes as-is, so it can be anything a hostile client sends."""
        self.events_sent += 1
        await self.emit("event", self._event(name, {} if payload is None else payload))

    async def emit(self, socket_event: str, data: Any) -> None:
        """Emit any Socket.IO event on Reflex's namespace (`event`, `client_error`, ...)."""
        await self._client.emit(socket_event, data, NAMESPACE)

    async def round_trip(self, seconds: float = 30) -> None:
        """Ping and wait for Reflex's pong: every message sent before has been received, and the
        backend handles a socket's messages in order (its socket handlers run inline)."""
        await self.emit("ping", None)
        async with asyncio.timeout(seconds):
            await self._pongs.get()

    async def next_update(
        self, matches: Callable[[dict[str, Any]], bool], seconds: float = 30
    ) -> dict[str, Any]:
        """The first update `matches` accepts within `seconds`, dropping the ones before it."""
        return (await self.updates_until(matches, seconds))[-1]

    async def updates_until(
        self, matches: Callable[[dict[str, Any]], bool], seconds: float = 30
    ) -> list[dict[str, Any]]:
        """Every update up to and including the first one `matches` accepts."""
        updates: list[dict[str, Any]] = []
        async with asyncio.timeout(seconds):
            while not updates or not matches(updates[-1]):
                updates.append(await self.updates.get())
        return updates

    def drain(self) -> list[dict[str, Any]]:
        """Every update received so far, leaving the queue empty."""
        updates = []
        while not self.updates.empty():
            updates.append(self.updates.get_nowait())
        return updates


def delta_value(update: dict[str, Any], state: str, var: str) -> Any:
    """`var` of `state` in an update's delta (Reflex suffixes var names with `_rx_state_`)."""
    values = update.get("delta", {}).get(state, {})
    return values.get(f"{var}_rx_state_", values.get(var))


def tree_rss_kib(leader: int) -> int:
    """Resident memory (KiB) of every process in `leader`'s process group, from /proc."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            # Fields after the parenthesised command name: state, ppid, pgrp, ...
            pgrp = int(stat.rsplit(")", 1)[1].split()[2])
            if pgrp != leader:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total


def tree_cpu_seconds(leader: int) -> float:
    """User and system CPU seconds of every process in `leader`'s process group, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
    return total / tick
