"""A Socket.IO load client that behaves like a browser tab on `/my-favorite-color`.

Each session is one tab: it connects to the backend's `/_event` socket with its own client token
and the page's boot event (`hydrate_and_load`) in the CONNECT packet, as Reflex's frontend does.
One *color load* is then what the page's token sender (`ClerkTokenSender`) does: one event
up, one delta down.

1. send `FavoriteColorState.load` with a session token, as the page's sender does: a
   Clerk-shaped token minted for the session's user (re-minted when the cached one nears
   expiry, as Clerk's `getToken` does);
2. the server verifies the token, reads MongoDB and sends a delta with the color; the client
   checks it equals the user's MongoDB document.

Should the server ask for a token (a new `token_request` id: a retry past Clerk's cache, or a
re-check), the client answers each new id once through `recheck`, as the page's sender does.

State and handler names are derived from the app's own classes, never hard-coded. Importable
(`bench.uiload`) by the tests, and runnable on its own (see `main`), printing JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import socketio
import uvloop

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

T = TypeVar("T")

Minter = Callable[[str], str]
"""Mints a fresh session token for a Clerk user id."""

TOKEN_TTL_S = 60
"""Clerk's session tokens live 60 s; the client re-mints when less than this margin remains."""
TOKEN_MARGIN_S = 10
NAMESPACE = "/_event"
"""Reflex's socket path and Socket.IO namespace (the frontend connects to `{api_url}/_event`)."""
DEBUG = bool(os.environ.get("UILOAD_DEBUG"))


@dataclass(frozen=True)
class AppNames:
    """The event and field names the page uses, derived from the app's classes."""

    load_event: str
    recheck_event: str
    boot_event: str
    substate: str
    status_field: str
    color_field: str
    request_field: str
    skip_cache_field: str
    token_arg: str
    route: str

    @classmethod
    def derive(cls) -> AppNames:
        """Read the names from `FavoriteColorState`, Reflex's root state and the token bridge."""
        from reflex.state import State
        from reflex_base.constants import CompileVars
        from reflex_base.constants.state import FIELD_MARKER

        from clerk_fullstack.core import routes
        from clerk_fullstack.state.favorite_color import FavoriteColorState

        name = FavoriteColorState.get_full_name()
        handlers = FavoriteColorState.event_handlers
        assert "load" in handlers and "recheck" in handlers
        # The one argument the page's sender passes to `load` and `recheck` alike.
        (token_arg,) = list(inspect.signature(handlers["load"].fn).parameters)[1:]
        assert list(inspect.signature(handlers["recheck"].fn).parameters)[1:] == [token_arg]
        return cls(
            load_event=f"{name}.load",
            recheck_event=f"{name}.recheck",
            boot_event=f"{State.get_full_name()}.{CompileVars.HYDRATE_AND_LOAD}",
            substate=name,
            status_field=f"status{FIELD_MARKER}",
            color_field=f"color{FIELD_MARKER}",
            request_field=f"token_request{FIELD_MARKER}",
            skip_cache_field=f"token_skip_cache{FIELD_MARKER}",
            token_arg=token_arg,
            route=routes.FAVORITE_COLOR,
        )


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the client on uvloop, as the backend's Granian does: on the asyncio loop the
    Python client costs more CPU per load than the server, on the same two cores."""
    return uvloop.run(main)


class LoadError(Exception):
    """A color load that did not end with the expected color."""


@dataclass
class TabSession:
    """One browser tab on the favorite-color page, over one Socket.IO connection."""

    base_url: str
    user_id: str
    expected_color: str
    mint: Minter
    names: AppNames
    origin: str = "http://localhost:3000"
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_s: float = 30.0
    _sio: socketio.AsyncClient | None = None
    _token: str | None = None
    _token_exp: float = 0.0
    _pending: asyncio.Future[str] | None = None
    _request: str = ""
    """The token request id the tab has seen last (answered, or there at connect)."""
    tokens_minted: int = 0
    new_tokens: int = 0
    hydrated: asyncio.Event = field(default_factory=asyncio.Event)
    last_delta: dict[str, Any] = field(default_factory=dict)

    @property
    def connected(self) -> bool:
        """Whether the socket is up."""
        return self._sio is not None and self._sio.connected

    def _router_data(self) -> dict[str, str]:
        return {"pathname": self.names.route, "asPath": self.names.route}

    async def connect(self, base_url: str | None = None) -> None:
        """Open the socket with the boot event in the CONNECT packet, as the frontend does."""
        if base_url is not None:
            self.base_url = base_url
        await self.close()
        self.hydrated.clear()
        sio = socketio.AsyncClient(
            reconnection=False, request_timeout=self.timeout_s, logger=DEBUG, engineio_logger=DEBUG
        )
        sio.on("event", self._on_update, namespace=NAMESPACE)
        sio.on("new_token", self._on_new_token, namespace=NAMESPACE)
        boot = {"name": self.names.boot_event, "payload": {}, "router_data": self._router_data()}
        self._sio = sio  # closed by `close()` even when the handshake below fails
        await sio.connect(
            f"{self.base_url}?token={self.client_token}",
            headers={"Origin": self.origin},
            auth={"event": boot},
            transports=["websocket"],
            socketio_path=NAMESPACE,
            namespaces=[NAMESPACE],
            wait_timeout=self.timeout_s,
        )
        await asyncio.wait_for(self.hydrated.wait(), self.timeout_s)

    async def close(self) -> None:
        """Close the socket (a closed tab)."""
        sio, self._sio = self._sio, None
        if sio is not None:
            with contextlib.suppress(Exception):
                await sio.disconnect()
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(LoadError("socket closed"))

    async def load(self) -> float:
        """One color load, as the page's token sender does it; returns its latency in seconds."""
        if self._sio is None:
            raise LoadError("not connected")
        loop = asyncio.get_running_loop()
        self._pending = loop.create_future()
        started = time.perf_counter()
        await self._send_token(self.names.load_event, skip_cache=False)
        try:
            color = await asyncio.wait_for(self._pending, self.timeout_s)
        except TimeoutError:
            raise LoadError("no color delta in time") from None
        finally:
            self._pending = None
        elapsed = time.perf_counter() - started
        if color != self.expected_color:
            raise LoadError(f"color {color!r} != MongoDB's {self.expected_color!r}")
        return elapsed

    def _session_token(self, *, skip_cache: bool) -> str:
        now = time.time()
        if skip_cache or self._token is None or self._token_exp - now < TOKEN_MARGIN_S:
            self._token = self.mint(self.user_id)
            self._token_exp = now + TOKEN_TTL_S
            self.tokens_minted += 1
        return self._token

    async def _on_new_token(self, token: str) -> None:
        """The server saw this token linked elsewhere (a duplicate tab, or a dead worker's
        leftover record) and gave the tab a new one, with a fresh state, as the browser keeps."""
        self.client_token = token
        self.new_tokens += 1

    async def _on_update(self, update: Mapping[str, Any]) -> None:
        delta = update.get("delta") or {}
        if self.names.substate in delta:
            sub = delta[self.names.substate]
            self.last_delta = dict(sub)
            self._check_delta(self.last_delta)
            request = sub.get(self.names.request_field)
            if request is not None:
                # As the page's requester: an id there at mount was asked before this page.
                new = bool(request) and request != self._request and self.hydrated.is_set()
                self._request = request
                if new:
                    skip_cache = bool(sub.get(self.names.skip_cache_field))
                    await self._send_token(self.names.recheck_event, skip_cache=skip_cache)
        if delta:
            self.hydrated.set()

    def _check_delta(self, sub: Mapping[str, Any]) -> None:
        pending = self._pending
        if pending is None or pending.done():
            return
        status = sub.get(self.names.status_field)
        if status == "loaded":
            pending.set_result(str(sub.get(self.names.color_field, "")))
        elif status not in (None, "loading", "idle"):
            pending.set_exception(LoadError(f"page status {status!r}"))

    async def _send_token(self, event_name: str, *, skip_cache: bool) -> None:
        """Send `event_name` (`load` or `recheck`) with a session token, as the page does."""
        result = {"token": self._session_token(skip_cache=skip_cache), "error": None}
        event = {
            "name": event_name,
            "payload": {self.names.token_arg: result},
            "router_data": self._router_data(),
        }
        assert self._sio is not None
        await self._sio.emit("event", event, namespace=NAMESPACE)


# ---------------------------------------------------------------- measurement
def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, nearest rank."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summarize(latencies: Sequence[float], errors: int, seconds: float) -> dict[str, Any]:
    """Loads per second, p50/p90/p99 (ms), error count."""
    ordered = sorted(latencies)
    return {
        "loads": len(ordered),
        "errors": errors,
        "seconds": round(seconds, 2),
        "loads_per_s": round(len(ordered) / seconds, 1) if seconds else 0.0,
        "latency_ms": {
            name: round(percentile(ordered, q) * 1000, 2)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        }
        | {"mean": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0.0},
    }


@dataclass
class Users:
    """Users to load as: Clerk ids and their colors, as stored in MongoDB."""

    ids: list[str]
    colors: dict[str, str]

    @classmethod
    def from_mongo(cls, mongo_uri: str, limit: int, db: str = "auth") -> Users:
        """The first `limit` users of the `users` collection."""
        from pymongo import MongoClient

        client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, directConnection=True)
        try:
            docs = list(
                client[db]["users"]
                .find({}, {"clerkUserId": 1, "favoriteColor": 1})
                .sort("clerkUserId", 1)
                .limit(limit)
            )
        finally:
            client.close()
        if not docs:
            raise RuntimeError("no users in MongoDB: ingest some first")
        return cls(
            ids=[d["clerkUserId"] for d in docs],
            colors={d["clerkUserId"]: d["favoriteColor"] for d in docs},
        )


def make_sessions(
    base_urls: Sequence[str], users: Users, n: int, mint: Minter, names: AppNames
) -> list[TabSession]:
    """`n` tabs, spread round-robin over users and backend URLs."""
    sessions = []
    for i in range(n):
        uid = users.ids[i % len(users.ids)]
        sessions.append(
            TabSession(
                base_url=base_urls[i % len(base_urls)],
                user_id=uid,
                expected_color=users.colors[uid],
                mint=mint,
                names=names,
            )
        )
    return sessions


async def open_all(sessions: Sequence[TabSession], parallel: int = 50) -> int:
    """Connect every session (bounded parallelism); returns how many failed."""
    gate = asyncio.Semaphore(parallel)
    failures = 0

    async def one(session: TabSession) -> None:
        nonlocal failures
        async with gate:
            try:
                await session.connect()
            except Exception:
                failures += 1
                await session.close()

    await asyncio.gather(*(one(s) for s in sessions))
    return failures


async def close_all(sessions: Sequence[TabSession]) -> None:
    """Disconnect every session."""
    await asyncio.gather(*(s.close() for s in sessions))


async def closed_loop(
    sessions: Sequence[TabSession], duration: float, warmup: float, max_loads: int = 2_000_000
) -> dict[str, Any]:
    """Every session loads its color again and again for `warmup` + `duration` seconds."""
    latencies: list[float] = []
    errors: list[str] = []
    done = 0
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + duration
    count = 0

    async def tab(session: TabSession) -> None:
        nonlocal count, done
        while time.monotonic() < stop_at and count < max_loads:
            count += 1
            try:
                took = await session.load()
            except (LoadError, socketio.exceptions.SocketIOError) as exc:
                if time.monotonic() >= measure_from:
                    errors.append(str(exc))
                if not session.connected:
                    return
                continue
            done += 1
            if time.monotonic() >= measure_from:
                latencies.append(took)

    await asyncio.gather(*(tab(s) for s in sessions if s.connected))
    elapsed = max(time.monotonic() - measure_from, 1e-9)
    result = summarize(latencies, len(errors), elapsed)
    result["concurrency"] = len(sessions)
    result["all_loads"] = done
    result["error_samples"] = sorted(set(errors))[:5]
    return result


# ---------------------------------------------------------------- /proc readers
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def tree_rss_bytes(pids: Sequence[int]) -> int:
    """Resident memory of the given processes."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    return total


def tree_cpu_s(pids: Sequence[int]) -> float:
    """User + system CPU seconds of the given processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


# ---------------------------------------------------------------- one target, all phases
@dataclass(frozen=True)
class Plan:
    """Which concurrencies to drive, for how long, and how many idle sessions to hold."""

    concurrencies: tuple[int, ...] = (16, 200, 1000)
    duration: float = 15.0
    warmup: float = 3.0
    idle_sessions: int = 1000


async def measure(
    base_urls: Sequence[str],
    users: Users,
    mint: Minter,
    plan: Plan,
    app_pid: int | None = None,
) -> dict[str, Any]:
    """Every phase of the plan against running backends; JSON-ready figures."""
    names = AppNames.derive()
    out: dict[str, Any] = {"phases": []}
    pids = tree_pids(app_pid) if app_pid else []
    for c in plan.concurrencies:
        sessions = make_sessions(base_urls, users, c, mint, names)
        rss0 = tree_rss_bytes(pids)
        failed = await open_all(sessions)
        rss1 = tree_rss_bytes(pids)
        cpu0, client0 = tree_cpu_s(pids), time.process_time()
        phase = await closed_loop(sessions, plan.duration, plan.warmup)
        cpu1, client1 = tree_cpu_s(pids), time.process_time()
        if phase["all_loads"]:
            # The load client is Python too, on the same cores: what one load costs it.
            phase["client_cpu_us_per_load"] = round(
                (client1 - client0) / phase["all_loads"] * 1e6, 1
            )
        phase["connect_errors"] = failed
        phase["errors"] += failed
        if pids and phase["all_loads"]:
            # The CPU window spans warm-up too, so divide by every load made in it.
            phase["app_cpu_us_per_load"] = round((cpu1 - cpu0) / phase["all_loads"] * 1e6, 1)
        if c == plan.idle_sessions and pids:
            phase["idle_rss_growth_mb"] = round((rss1 - rss0) / 2**20, 1)
            phase["idle_rss_per_session_kb"] = round((rss1 - rss0) / c / 1024, 1)
        await close_all(sessions)
        out["phases"].append(phase)
        print(f"[uiload] c={c}: {json.dumps(phase)}", file=sys.stderr, flush=True)
    if plan.idle_sessions and plan.idle_sessions not in plan.concurrencies and pids:
        sessions = make_sessions(base_urls, users, plan.idle_sessions, mint, names)
        rss0 = tree_rss_bytes(pids)
        failed = await open_all(sessions)
        await asyncio.sleep(2)
        rss1 = tree_rss_bytes(pids)
        out["idle"] = {
            "sessions": plan.idle_sessions,
            "connect_errors": failed,
            "rss_growth_mb": round((rss1 - rss0) / 2**20, 1),
            "rss_per_session_kb": round((rss1 - rss0) / plan.idle_sessions / 1024, 1),
        }
        await close_all(sessions)
    return out


def fixture_minter(fixtures: Path) -> Minter:
    """Mint tokens with the bench fixtures' key (the key the backend trusts)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    fx = json.loads((fixtures / "fixtures.json").read_text())
    kid, iss, azp = fx["kid"], fx["issuer"], fx["azp"]
    # Parse the PEM once: loading an RSA key checks it, which costs far more than a signature.
    key = load_pem_private_key(fx["jwt_private_pem"].encode(), password=None)
    assert isinstance(key, RSAPrivateKey), "the harness signs with RS256"

    def mint(sub: str) -> str:
        now = int(time.time())
        claims = {
            "azp": azp,
            "exp": now + TOKEN_TTL_S,
            "iat": now,
            "nbf": now - 5,
            "iss": iss,
            "sid": f"sess_{uuid.uuid4().hex[:26]}",
            "sub": sub,
            "v": 2,
            "fva": [0, -1],
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})

    return mint


def main(argv: Sequence[str] | None = None) -> int:
    """Drive running backends and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-url", action="append", required=True, help="repeat for several")
    ap.add_argument("--mongo-uri", required=True)
    ap.add_argument("--fixtures", type=Path, required=True, help="bench/harness/keys.py --out DIR")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--concurrency", default="16,200,1000")
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--idle-sessions", type=int, default=1000)
    ap.add_argument("--pid", type=int, default=None, help="the app's PID (CPU and RSS)")
    args = ap.parse_args(argv)
    plan = Plan(
        concurrencies=tuple(int(c) for c in args.concurrency.split(",") if c),
        duration=args.duration,
        warmup=args.warmup,
        idle_sessions=args.idle_sessions,
    )
    users = Users.from_mongo(args.mongo_uri, args.users)
    result = run(measure(args.base_url, users, fixture_minter(args.fixtures), plan, args.pid))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
