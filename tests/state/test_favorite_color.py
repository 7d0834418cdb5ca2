"""FavoriteColorState without a browser: handlers called directly with minted tokens."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import pytest
import reflex as rx
from beanie import init_beanie
from reflex.event import EventSpec

from clerk_fullstack.auth.tokens import MAX_TOKEN_CHARS
from clerk_fullstack.core import db
from clerk_fullstack.core.settings import get_settings
from clerk_fullstack.state.favorite_color import FavoriteColorState
from clerk_fullstack.state.lookup import ColorLookup, ColorStatus, look_up_color
from clerk_fullstack.state.recheck import SYNC_RETRY_DELAYS
from clerk_fullstack.users import service as users
from clerk_fullstack.users.models import DOCUMENT_MODELS, User
from clerk_fullstack.users.profile import UserProfile
from tests.helpers.mongo import ChildServer, uri_for
from tests.helpers.ports import free_port
from tests.helpers.tokens import SigningKey, mint_token, new_signing_key

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


def new_state() -> FavoriteColorState:
    """A fresh state tree, as one browser tab gets; the test is the only client."""
    root = cast(Any, rx.State)(_reflex_internal_init=True)
    state = root.get_substate([FavoriteColorState.get_name()])
    assert isinstance(state, FavoriteColorState)
    return state


# Reflex's event decorators hide the handlers' signatures from mypy (as in the state module);
# these call them as a socket event would, with the types the handlers are written with.
TokenHandler = Callable[[dict[str, str | None]], Awaitable[EventSpec | None]]


async def load(state: FavoriteColorState, result: Any) -> EventSpec | None:
    """Load as the page's token sender does, with the token result it sends along."""
    return await cast("TokenHandler", state.load)(result)


async def recheck(state: FavoriteColorState, result: Any) -> EventSpec | None:
    """Answer the server's token request as the page's token sender does."""
    return await cast("TokenHandler", state.recheck)(result)


def forget(state: FavoriteColorState) -> None:
    cast("Callable[[], None]", state.forget)()


def reload(state: FavoriteColorState) -> None:
    cast("Callable[[], None]", state.reload)()


def token_result(token: str | None, error: str | None = None) -> dict[str, str | None]:
    """What the page's `ClerkTokenSender` sends (`token_sender.js`)."""
    return {"token": token, "error": error}


def handler_name(spec: EventSpec) -> str:
    return str(spec.handler.fn.__qualname__).rsplit(".", 1)[-1]


def call_args(spec: EventSpec) -> dict[str, Any]:
    return {name._js_expr: cast(Any, value)._var_value for name, value in spec.args}


def asks_for_token(state: FavoriteColorState, since: str, *, skip_cache: bool = False) -> bool:
    """Whether the state asks the browser for a token: a new request id since `since`."""
    return (
        bool(state.token_request)
        and state.token_request != since
        and state.token_skip_cache is skip_cache
        and state._awaiting_token
    )


async def create_user(user_id: str) -> str:
    """Store a user as the `user.created` webhook would; return the color it was given."""
    profile = UserProfile(
        clerk_user_id=user_id, email=None, first_name=None, last_name=None, clerk_updated_at=1
    )
    assert await users.save_profile(profile) == users.SyncResult.CREATED
    color = await users.get_favorite_color(clerk_user_id=user_id)
    assert color is not None
    return color.value


async def test_valid_token_loads_the_color(signing_key: SigningKey) -> None:
    color = await create_user("user_state_1")
    state = new_state()
    assert state.load_request  # a fresh tab wants a load

    result = await load(state, token_result(mint_token(signing_key, sub="user_state_1")))

    assert result is None
    assert (state.status, state.color) == (ColorStatus.LOADED, color)
    assert state._user_id == "user_state_1"
    assert state.load_request == ""
    assert not state._awaiting_token  # nothing more was asked of the browser


async def test_each_user_sees_only_their_own_color(signing_key: SigningKey) -> None:
    colors = {f"user_state_many_{n}": await create_user(f"user_state_many_{n}") for n in range(4)}
    for user_id, color in colors.items():
        state = new_state()
        await load(state, token_result(mint_token(signing_key, sub=user_id)))
        assert (state.status, state.color, state._user_id) == (ColorStatus.LOADED, color, user_id)


async def test_client_state_never_holds_the_token_or_user_id(signing_key: SigningKey) -> None:
    await create_user("user_state_private")
    token = mint_token(signing_key, sub="user_state_private")
    state = new_state()
    await load(state, token_result(token))

    client_view = json.dumps(state.dict(), default=str)
    assert "user_state_private" not in client_view
    assert token not in client_view


async def test_each_event_verifies_at_most_one_token(
    signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str | None] = []

    async def counting_look_up(token: str | None) -> ColorLookup:
        verified.append(token)
        return await look_up_color(token)

    monkeypatch.setattr(f"{FavoriteColorState.__module__}.look_up_color", counting_look_up)
    await create_user("user_state_count")
    token = mint_token(signing_key, sub="user_state_count")
    state = new_state()
    # A re-check nobody asked for is dropped before its payload is read.
    assert await recheck(state, token_result(token)) is None
    assert verified == []
    # Each load verifies the one token it carries, as one `GET /user/favoriteColor` does.
    for _ in range(3):
        await load(state, token_result(token))
    assert verified == [token] * 3
    assert await recheck(state, token_result(token)) is None
    assert len(verified) == 3


async def test_expired_token_is_refreshed_once_then_the_session_is_invalid(
    signing_key: SigningKey,
) -> None:
    await create_user("user_state_expired")
    expired = mint_token(signing_key, sub="user_state_expired", issued_offset=-120)
    state = new_state()

    # A cached token may have expired in flight: ask once more, past Clerk's token cache.
    assert await load(state, token_result(expired)) is None
    assert asks_for_token(state, since="", skip_cache=True)
    assert state.status == ColorStatus.LOADING
    assert await recheck(state, token_result(expired)) is None

    assert (state.status, state.color) == (ColorStatus.INVALID_SESSION, "")
    assert state._user_id is None
    assert not state._awaiting_token


async def test_expired_token_then_fresh_token_loads_the_color(signing_key: SigningKey) -> None:
    color = await create_user("user_state_refresh")
    state = new_state()
    expired = mint_token(signing_key, sub="user_state_refresh", issued_offset=-120)
    await load(state, token_result(expired))
    await recheck(state, token_result(mint_token(signing_key, sub="user_state_refresh")))
    assert (state.status, state.color) == (ColorStatus.LOADED, color)


async def test_forged_token_loads_nothing(signing_key: SigningKey) -> None:
    await create_user("user_state_forged")
    forger = new_signing_key(kid=signing_key.kid)  # same kid, different key
    state = new_state()

    result = await load(state, token_result(mint_token(forger, sub="user_state_forged")))

    assert result is None  # a bad signature is not retried
    assert (state.status, state.color, state._user_id) == (ColorStatus.INVALID_SESSION, "", None)
    assert not state._awaiting_token


async def test_invalid_token_on_reload_forgets_the_shown_color(signing_key: SigningKey) -> None:
    await create_user("user_state_reload")
    state = new_state()
    await load(state, token_result(mint_token(signing_key, sub="user_state_reload")))
    assert state.status == ColorStatus.LOADED

    wrong_issuer = mint_token(signing_key, sub="user_state_reload", issuer="https://evil.example")
    await load(state, token_result(wrong_issuer))
    assert (state.status, state.color, state._user_id) == (ColorStatus.INVALID_SESSION, "", None)


async def test_refresh_starts_over_and_asks_for_a_new_load(signing_key: SigningKey) -> None:
    color = await create_user("user_state_refresh_button")
    state = new_state()
    await load(state, token_result(mint_token(signing_key, sub="user_state_refresh_button")))
    assert state.status == ColorStatus.LOADED

    wanted = set()
    for _ in range(3):
        reload(state)  # "Refresh" or "Try again"
        assert (state.status, state.color, state._user_id) == (ColorStatus.IDLE, "", None)
        wanted.add(state.load_request)
    assert len(wanted) == 3 and "" not in wanted  # each start-over is a new load to send
    await load(state, token_result(mint_token(signing_key, sub="user_state_refresh_button")))
    assert (state.status, state.color, state.load_request) == (ColorStatus.LOADED, color, "")


async def test_signed_out_browser_gives_an_invalid_session() -> None:
    state = new_state()
    await load(state, token_result(None))
    assert (state.status, state.color) == (ColorStatus.INVALID_SESSION, "")


async def test_unknown_user_is_not_yet_synced_and_rechecks_with_backoff(
    signing_key: SigningKey,
) -> None:
    state = new_state()
    answer = await load(state, token_result(mint_token(signing_key, sub="user_state_new")))
    delays = []
    for step in SYNC_RETRY_DELAYS:
        assert isinstance(answer, EventSpec)
        assert handler_name(answer) == "recheck_later"
        assert call_args(answer) == {}  # nothing a client could change
        assert state.status == ColorStatus.NOT_SYNCED
        assert state.color == ""
        assert state._user_id == "user_state_new"
        delays.append(state.retry_in)
        # What recheck_later does: wait out the step the server chose, then ask for a token.
        wait = state._next_recheck_step()
        assert isinstance(wait, float)
        assert 0 < wait <= step
        state._recheck_due_at = time.time()  # the wait is over
        before = state.token_request
        assert state._next_recheck_step() is None
        assert asks_for_token(state, since=before)
        assert state.retry_in == 0
        assert state._next_recheck_step() is None  # fired once, nothing left to wait for
        answer = await recheck(state, token_result(mint_token(signing_key, sub="user_state_new")))

    assert delays == [1, 2, 4, 8]
    # Out of re-checks: say so and stop.
    assert answer is None
    assert (state.status, state.retry_in, state.sync_attempts_left) == (
        ColorStatus.NOT_SYNCED,
        0,
        0,
    )
    assert state._next_recheck_step() is None

    # "Try again" starts a new round, which finds the user once the webhook has arrived.
    color = await create_user("user_state_new")
    reload(state)
    assert state.sync_attempts_left == len(SYNC_RETRY_DELAYS)
    await load(state, token_result(mint_token(signing_key, sub="user_state_new")))
    assert (state.status, state.color) == (ColorStatus.LOADED, color)


async def test_webhook_arriving_during_backoff_loads_the_color(signing_key: SigningKey) -> None:
    state = new_state()
    first = await load(state, token_result(mint_token(signing_key, sub="user_state_late")))
    assert isinstance(first, EventSpec)
    assert state.status == ColorStatus.NOT_SYNCED

    color = await create_user("user_state_late")
    state._request_token()  # the re-check
    await recheck(state, token_result(mint_token(signing_key, sub="user_state_late")))
    assert (state.status, state.color) == (ColorStatus.LOADED, color)


async def test_sign_out_or_reload_drops_the_scheduled_recheck(signing_key: SigningKey) -> None:
    for leave in (forget, reload):
        state = new_state()
        await load(state, token_result(mint_token(signing_key, sub="user_state_g")))
        assert isinstance(state._next_recheck_step(), float)
        leave(state)
        assert state._next_recheck_step() is None
        assert state._recheck_waiter_until == 0


async def test_recheck_with_nothing_scheduled_does_nothing(signing_key: SigningKey) -> None:
    await create_user("user_state_synced")
    state = new_state()
    assert state._next_recheck_step() is None  # a fresh tab
    await load(state, token_result(mint_token(signing_key, sub="user_state_synced")))
    assert state.status == ColorStatus.LOADED
    assert state._next_recheck_step() is None


async def test_oversized_token_is_rejected_before_verification(signing_key: SigningKey) -> None:
    await create_user("user_state_big")
    # Validly signed, but far longer than any Clerk session token.
    token = mint_token(signing_key, sub="user_state_big", padding="x" * MAX_TOKEN_CHARS)
    state = new_state()
    await load(state, token_result(token))
    assert (state.status, state.color, state._user_id) == (ColorStatus.INVALID_SESSION, "", None)


async def test_forget_drops_color_and_user_id_and_late_tokens(signing_key: SigningKey) -> None:
    await create_user("user_state_forget")
    token = mint_token(signing_key, sub="user_state_forget")
    state = new_state()
    await load(state, token_result(token))
    assert state.status == ColorStatus.LOADED

    forget(state)
    assert (state.status, state.color, state._user_id) == (ColorStatus.IDLE, "", None)
    # A token nobody asked for (after sign-out, or sent by a script) is ignored.
    assert await recheck(state, token_result(token)) is None
    assert (state.status, state.color, state._user_id) == (ColorStatus.IDLE, "", None)


async def test_token_error_in_the_browser_is_shown_as_unreachable() -> None:
    state = new_state()
    await load(state, token_result(None, "Timed out waiting for a session token"))
    assert (state.status, state.color) == (ColorStatus.UNREACHABLE, "")


@pytest.mark.parametrize(
    "result",
    [
        None,
        "a string",
        {"token": 42},
        {"token": ["x"]},
        {"token": {"nested": [[["deep"]] * 50]}, "error": {"also": ["nested"]}},
        {"token": "t" * 1_000_000},
        ["token", "error"],
    ],
)
async def test_malformed_browser_answer_is_not_trusted(result: Any) -> None:
    state = new_state()
    await load(state, result)
    assert state.status in {ColorStatus.UNREACHABLE, ColorStatus.INVALID_SESSION}
    assert state.color == ""


async def test_unreachable_signing_keys_show_unreachable(
    env: pytest.MonkeyPatch, signing_key: SigningKey
) -> None:
    env.delenv("CLERK_JWT_KEY")
    env.setenv("CLERK_API_URL", "http://127.0.0.1:9")
    state = new_state()
    await load(state, token_result(mint_token(signing_key)))
    assert (state.status, state.color) == (ColorStatus.UNREACHABLE, "")


@pytest.fixture
async def database_down(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    """Point the models at a database that has gone away, then back at the test database."""
    test_database = User.get_pymongo_collection().database
    server = ChildServer(tmp_path_factory.mktemp("down-db"), free_port())
    server.start()
    client = await db.connect(get_settings(), DOCUMENT_MODELS, uri_for(server.port))
    server.stop()
    try:
        yield
    finally:
        await client.close()
        await init_beanie(database=test_database, document_models=DOCUMENT_MODELS)


@pytest.mark.slow
async def test_unreachable_database_shows_unreachable(
    database_down: None, signing_key: SigningKey
) -> None:
    state = new_state()
    await load(state, token_result(mint_token(signing_key, sub="user_state_db")))
    assert (state.status, state.color) == (ColorStatus.UNREACHABLE, "")
    # The token was verified, so the user is known; only the read failed.
    assert state._user_id == "user_state_db"


async def test_another_socket_sees_nothing_the_tab_loaded(signing_key: SigningKey) -> None:
    color = await create_user("user_state_socket")
    state = new_state()
    await load(state, token_result(mint_token(signing_key, sub="user_state_socket")))
    state._socket = "socket-a"  # as `load` records it from the router, on a live socket
    assert (state.status, state.color) == (ColorStatus.LOADED, color)

    state._forget_other_socket("socket-a")  # the same socket: nothing changes
    assert (state.status, state.color) == (ColorStatus.LOADED, color)
    state._forget_other_socket("socket-b")
    assert (state.status, state.color, state._user_id) == (ColorStatus.IDLE, "", None)
    assert state.load_request  # the page loads again on its new socket
    assert not state._awaiting_token

    # An answer to the old socket's request, sent from the new one, is dropped.
    state._request_token()
    asked = state.token_request
    state._socket = "socket-b"
    state._forget_other_socket("socket-c")
    assert await recheck(state, token_result(mint_token(signing_key))) is None
    assert (state.status, state.token_request) == (ColorStatus.IDLE, asked)
